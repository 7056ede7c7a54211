/**
 * The GPU watchdog cloud-init installs on the droplet (files in ./gpu-watchdog/, included whole by
 * cloud-init.yaml.tmpl):
 * - prevent: Docker's daemon.json gets NVIDIA's cgroupfs workaround for containers that lose their
 *   GPU on `systemctl daemon-reload`, and rotated json-file logs (docker-daemon-config.sh says why);
 * - heal: rag-stack-ollama-heal.timer restarts the Ollama container when its health check (which
 *   proves the GPU, components/ollama/health-check.ts) makes it unhealthy, at most 3 times an hour,
 *   then gives up and leaves a marker that `npm run verify` reports (ollama-heal.sh).
 */

/** Where the heal timer keeps its state on the droplet: `heals` (one line per heal) and `gave-up`. */
export const OLLAMA_HEAL_STATE_DIR = "/var/lib/rag-stack/ollama-heal";

/** The timer cloud-init enables (and its service, which runs /usr/local/sbin/rag-stack-ollama-heal). */
export const OLLAMA_HEAL_TIMER = "rag-stack-ollama-heal.timer";

/** The journal identifier of the heal messages: `journalctl -t rag-stack-ollama-heal`. */
export const OLLAMA_HEAL_LOG_TAG = "rag-stack-ollama-heal";
