/**
 * The front door's activity log: how the deployment records when it last served a request that
 * used Ollama, so `/healthz` can say it (`lastOllamaRequestAt`) and `npm run park -- --if-idle`
 * can decide (tools/park/). Pure: constants and pieces of Caddy's JSON config.
 *
 * Which requests count: every request that reaches the backend through the API prefix
 * (`<apiPrefix>` and `<apiPrefix>/*`), past authentication, except the backend's own health path.
 * The stack does not know which of the backend's routes call Ollama (the app is not part of it);
 * counting every API request errs on the side of "active", which only keeps the GPU up longer.
 * Never counted: `/healthz` (probes), the frontend's pages and static files, requests refused by
 * basic auth (401 before any API route runs), and the :80 redirects (not TLS: see below).
 *
 * How (read against caddyserver/caddy v2.11.4, the image prod pins, and v2.6.2, Debian's Caddy the
 * tests run):
 * - the server's `logs` names one logger (ServerLogConfig.DefaultLoggerName, modules/caddyhttp/
 *   logging.go): its access log entries go to `http.log.access.<name>`;
 * - a `vars` handler at the top of the routes flags every request as not logged, and a route just
 *   before the API route clears the flag for the requests that count. The flag is `log_skip` in
 *   v2.11 (LogSkipVar, logging.go) and `skip_log` in v2.6 (SkipLogVar): both are set, each
 *   version reads its own and ignores the other (vars are a free map);
 * - that logger writes JSON lines to a file (modules/logging/filewriter.go) rolled by size
 *   (`roll_size_mb`, `roll_keep`, `roll_keep_days`), so the file stays below a few MB and the
 *   disk never fills; `mode` 0644 because v2.11 creates it 0600 by default and the responder
 *   reads it as nobody (v2.6 has no `mode` and creates 0644: lumberjack v2.0.0's default,
 *   measured);
 * - the default logger excludes it, so the lines do not also go to the container's stderr;
 * - Caddy's automatic :80 redirect server is given a clone of the same log config
 *   (modules/caddyhttp/autohttps.go, `logCfg = srv.Logs.clone()`), so redirects are logged too:
 *   the reader counts only lines of TLS requests (`"tls":{`, present only when r.TLS != nil,
 *   modules/caddyhttp/marshalers.go). Inside the JSON every `"` of a header value is escaped, so
 *   that text can only be the log's own structure.
 *
 * The log lives in a Docker volume on the host's own disk (not the block volume): a droplet
 * created by unparking starts with an empty log, so the time since the door started is the time
 * without activity (`activity.since` in the health answer).
 */

type Json = Record<string, unknown>;

/** The logger's name: entries go to `http.log.access.<name>`. */
export const ACTIVITY_LOGGER = "ollama-activity";

/** The directory the front door writes the log in (the volume's mount in the Caddy container). */
export const ACTIVITY_LOG_DIR = "/var/log/rag-stack";
export const ACTIVITY_LOG_FILE_NAME = "ollama-activity.log";

/** Where the responder mounts the same volume, read-only. */
export const ACTIVITY_LOG_MOUNT = "/status/activity";

/** Size at which the log is rolled, and how many rolled files (gzipped) are kept: 15 MB at most. */
export const ACTIVITY_LOG_ROLL_SIZE_MB = 5;
export const ACTIVITY_LOG_ROLL_KEEP = 2;
export const ACTIVITY_LOG_ROLL_KEEP_DAYS = 7;

/** Bytes of the log's end the responder reads on each refresh: bounded, whatever the file's size. */
export const ACTIVITY_LOG_TAIL_BYTES = 256 * 1024;

/** The top-level `logging` section: the activity logger to its file, kept out of the default log. */
export function activityLogging(): Json {
    return {
        logs: {
            default: { exclude: [`http.log.access.${ACTIVITY_LOGGER}`] },
            [ACTIVITY_LOGGER]: {
                writer: {
                    output: "file",
                    filename: `${ACTIVITY_LOG_DIR}/${ACTIVITY_LOG_FILE_NAME}`,
                    mode: "0644",
                    roll_size_mb: ACTIVITY_LOG_ROLL_SIZE_MB,
                    roll_keep: ACTIVITY_LOG_ROLL_KEEP,
                    roll_keep_days: ACTIVITY_LOG_ROLL_KEEP_DAYS,
                    roll_gzip: true,
                },
                encoder: { format: "json" },
                include: [`http.log.access.${ACTIVITY_LOGGER}`],
            },
        },
    };
}

/** The server's `logs`: access logs on, to the activity logger. */
export function activityServerLogs(): Json {
    return { default_logger_name: ACTIVITY_LOGGER };
}

/** A handler that sets (true) or clears (false) the "do not log this request" flag of both Caddy versions. */
export function logSkip(skip: boolean): Json {
    return { handler: "vars", log_skip: skip, skip_log: skip };
}

/**
 * The non-terminal route, placed after authentication and right before the API route, that makes
 * a request count: the API prefix, minus the backend's health path as the door exposes it.
 */
export function activityRoute(a: { apiPrefix: string; backendHealthPathOutside: string }): Json {
    return {
        match: [{ path: [a.apiPrefix, `${a.apiPrefix}/*`], not: [{ path: [a.backendHealthPathOutside] }] }],
        handle: [logSkip(false)],
    };
}
