// `npm start`: the studio server (loaders/studio/server.ts) on 127.0.0.1 — the pages through Framework's live preview,
// and the API the pages use to submit and stop jobs — with the local emulator as its default target. Prints the URL
// with this start's token; ends on Ctrl-C (SIGINT) or SIGTERM, with its preview and emulator.
// Environment: DSCHAT_STUDIO_PORT (default 3000; 0 picks a free one), DSCHAT_STUDIO_TARGET=sagemaker (real SageMaker
// through the AWS SDK's default chain) with DSCHAT_STUDIO_ROLE and DSCHAT_STUDIO_BUCKET.
import {startStudio} from "../loaders/studio/server.js";
import {UserError} from "../src/core/contract/userError.js";

const env = process.env;
const port = Number(env.DSCHAT_STUDIO_PORT ?? 3000);
const target = env.DSCHAT_STUDIO_TARGET === "sagemaker" ? "sagemaker" : "emulator";
if (env.DSCHAT_STUDIO_TARGET && !["sagemaker", "emulator"].includes(env.DSCHAT_STUDIO_TARGET)) {
  process.stderr.write(`dschat-studio: DSCHAT_STUDIO_TARGET must be "emulator" or "sagemaker", not ${JSON.stringify(env.DSCHAT_STUDIO_TARGET)}\n`);
  process.exit(2);
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`dschat-studio: DSCHAT_STUDIO_PORT must be a TCP port, not ${JSON.stringify(env.DSCHAT_STUDIO_PORT)}\n`);
  process.exit(2);
}
const studio = await startStudio({env, port, target, roleArn: env.DSCHAT_STUDIO_ROLE, bucket: env.DSCHAT_STUDIO_BUCKET}).catch((error: NodeJS.ErrnoException) => {
  if (error.code === "EADDRINUSE") process.stderr.write(`dschat-studio: port ${port} of 127.0.0.1 is in use (another studio?)\n  fix: stop it, or set DSCHAT_STUDIO_PORT to a free port (0: any)\n`);
  else if (error instanceof UserError) process.stderr.write(`dschat-studio: ${error.message}\n`);
  else throw error;
  process.exit(2);
});
const where = studio.actions.session.simulated ? `jobs go to the local emulator (${studio.actions.session.emulatorUrl}), SIMULATED` : `jobs go to Amazon SageMaker in ${studio.actions.session.clients.region}`;
process.stdout.write(`dschat-studio: open ${studio.openUrl}\n  (the token in this URL is required by the studio's API; ${where})\n`);
let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await studio.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
