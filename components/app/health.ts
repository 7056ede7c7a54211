/**
 * Health checks of the app containers (backend on its health path, frontend on its path), and how
 * long `up` waits for them. With `wait: true` the Docker provider polls the new container until
 * Docker reports it healthy and fails the resource after `waitTimeout` seconds (@pulumi/docker
 * 5.2.0 Container.wait/waitTimeout: "requires your container to have a healthcheck"), so a backend
 * that crash-loops under `restart: unless-stopped` fails `up` instead of passing it.
 *
 * The default command asks the app over HTTP from inside its own container with the first client
 * the image has: busybox/GNU wget (alpine images, nginx:alpine), curl (Debian-based images,
 * nginx), python3 (python:*-slim images, which ship neither), node (node:*-slim). An image with
 * none of them needs `healthCommand` in the config (run by /bin/sh, like Docker's CMD-SHELL).
 */
import * as docker from "@pulumi/docker";
import { goDuration } from "../container-options";

/** What a health check needs to know about one app container. */
export interface AppHealthSettings {
    /** Port the app listens on inside its container. */
    port: number;
    /** Path that answers 2xx/3xx when the app is healthy. */
    path: string;
    /** Shell command replacing the default HTTP probe (exit 0 healthy, non-zero unhealthy). */
    healthCommand?: string;
}

/** The probe from inside the container: wget, curl, python3, node, whichever exists first. */
export function defaultHealthCommand(port: number, path: string): string {
    const url = `http://127.0.0.1:${port}${path}`;
    return [
        `wget -q -O /dev/null '${url}'`,
        `curl -fsS -o /dev/null '${url}'`,
        `python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=4)' '${url}'`,
        `node -e 'require("http").get(process.argv[1], (r) => process.exit(r.statusCode < 400 ? 0 : 1)).on("error", () => process.exit(1))' '${url}'`,
        "exit 1",
    ].join(" || ");
}

/** The container's healthcheck block. */
export function appHealthcheck(s: AppHealthSettings): docker.types.input.ContainerHealthcheck {
    return {
        tests: ["CMD-SHELL", s.healthCommand ?? defaultHealthCommand(s.port, s.path)],
        interval: goDuration(10),
        timeout: goDuration(5),
        retries: 3,
        // Failures while the app starts do not count; the first success makes it healthy at once.
        startPeriod: goDuration(60),
    };
}
