/**
 * The raw config of a prod stack (a DigitalOcean GPU droplet behind the front door) that the
 * validation tests start from, each part overridable, and the test secrets that go with it. One
 * place, so a new required prod key changes one fixture, not every test file.
 */
import * as pulumi from "@pulumi/pulumi";
import { RawConfig, RawSecrets } from "../../../components/config";

/** A syntactically valid public key nobody holds the private half of. */
export const TEST_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBs2fHw6ZSe1pPsc9iNhOE7PZQRmLk5VLwZa8ePuKJ8e replace-me";
export const TEST_SECRETS: RawSecrets = {
    neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true },
    backupPassword: { value: pulumi.output("backup-password-0123456789"), isSecret: true, text: "backup-password-0123456789" },
};
export const DO_TOKEN_ENV = { DIGITALOCEAN_TOKEN: "dop_v1_env" };

export const PROD_OLLAMA = { mode: "container", model: "qwen2.5:7b-instruct-q8_0", accelerator: "nvidia", image: "ollama/ollama:0.12.6" };
export const PROD_SERVICES = {
    publishAddress: "0.0.0.0",
    publicHost: "rag.example.com",
    proxy: { acmeEmail: "ops@example.org" },
    backend: { image: "rag-backend:1.0.0" },
    frontend: { image: "rag-frontend:1.0.0" },
    neo4j: { image: "neo4j:5.26.2-community" },
};

export interface ProdParts {
    host?: Record<string, unknown>;
    docker?: unknown;
    ollama?: Record<string, unknown>;
    services?: Record<string, unknown>;
    proxy?: Record<string, unknown>;
    digitalocean?: Record<string, unknown>;
}

/** A fresh copy every call: tests may change what they get without touching the next test's. */
export function prodProfileRaw(p: ProdParts = {}): RawConfig {
    return structuredClone({
        host: p.host ?? { provider: "digitalocean" },
        docker: p.docker,
        ollama: { ...PROD_OLLAMA, ...p.ollama },
        services: { ...PROD_SERVICES, ...p.services, proxy: { ...PROD_SERVICES.proxy, ...p.proxy } },
        digitalocean: { region: "tor1", size: "gpu-4000adax1-20gb", sshPublicKey: TEST_PUBLIC_KEY, adminCidrs: ["203.0.113.7/32"], ...p.digitalocean },
    });
}
