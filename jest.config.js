/**
 * Three projects:
 * - `unit` (`npm test`): validation, policies, renders of the real program under Pulumi's mocks,
 *   plan and verify logic. No Docker, no network, no real server process. Target: under 30 s on 2 cores.
 * - `scripts` (`npm run test:scripts`): real processes: the native lifecycle scripts against the
 *   stand-in Ollama (real PIDs, ports, sessions, a stand-in launchctl), shellcheck, the `npm run plan`
 *   CLI as child processes (four ts-node processes), tools/pulumi.sh and .ci/run's Node check. Slow
 *   by nature, so not in `npm test`; `.ci/run` runs it and counts it.
 * - `e2e` (`npm run test:e2e`): the real Docker engine.
 *
 * `npm test` runs two workers (`--maxWorkers=2`): jest's default on 2 cores is one (cores - 1),
 * which runs every file in band; the unit files are CPU-bound and independent.
 *
 * ts-jest transpiles each file on its own (tsconfig.json has `isolatedModules: true`, which makes
 * ts-jest use transpileModule: no type check per test file); types are checked once by `npm run typecheck`.
 *
 * The suites that run the native lifecycle scripts as real processes, and the e2e suites, are
 * Linux-only: on a Mac the scripts take the launchd path and would talk to the user's real launchd
 * (and the user's own rag-stack agent). There they are left out, loudly; CI runs them on Linux.
 */
const transform = { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] };
const linux = process.platform === "linux";
const linuxOnlyScripts = ["<rootDir>/tests/scripts/native-lifecycle.test.ts", "<rootDir>/tests/scripts/native-adopt.test.ts", "<rootDir>/tests/scripts/native-version.test.ts"];

if (!linux) {
    console.warn(`rag-stack: on ${process.platform}, the Linux-only suites are skipped: ${linuxOnlyScripts.map((p) => p.replace("<rootDir>/", "")).join(", ")}` +
        " and the e2e suites (run them on Linux, as CI does).");
}

module.exports = {
    projects: [
        {
            displayName: "unit",
            testEnvironment: "node",
            transform,
            testMatch: ["<rootDir>/tests/unit/**/*.test.ts"],
            testPathIgnorePatterns: ["/node_modules/"],
        },
        {
            displayName: "scripts",
            testEnvironment: "node",
            transform,
            testMatch: ["<rootDir>/tests/scripts/**/*.test.ts"],
            testPathIgnorePatterns: ["/node_modules/", ...(linux ? [] : linuxOnlyScripts)],
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
