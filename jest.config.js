/**
 * Two projects: `unit` (fast, `npm test`) and `e2e` (real Docker engine, `npm run test:e2e`).
 *
 * The suites that run the native lifecycle scripts as real processes, and the e2e suites, are
 * Linux-only: on a Mac the scripts take the launchd path and would talk to the user's real launchd
 * (and the user's own rag-stack agent). There they are left out, loudly; CI runs them on Linux.
 */
const transform = { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] };
const linux = process.platform === "linux";
const linuxOnlyUnit = ["<rootDir>/tests/scripts/native-lifecycle.test.ts", "<rootDir>/tests/scripts/native-adopt.test.ts"];

if (!linux) {
    console.warn(`rag-stack: on ${process.platform}, the Linux-only suites are skipped: ${linuxOnlyUnit.map((p) => p.replace("<rootDir>/", "")).join(", ")}` +
        " and the e2e suites (run them on Linux, as CI does).");
}

module.exports = {
    projects: [
        {
            displayName: "unit",
            testEnvironment: "node",
            transform,
            testMatch: ["<rootDir>/tests/unit/**/*.test.ts", "<rootDir>/tests/scripts/**/*.test.ts"],
            testPathIgnorePatterns: ["/node_modules/", ...(linux ? [] : linuxOnlyUnit)],
        },
        {
            displayName: "e2e",
            testEnvironment: "node",
            transform,
            testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"],
            testPathIgnorePatterns: ["/node_modules/", ...(linux ? [] : ["<rootDir>/tests/e2e/"])],
        },
    ],
};
