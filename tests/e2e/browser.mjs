// Launches Debian's Chromium through playwright-core with WebGPU enabled on
// SwiftShader's Vulkan driver, and with nothing that reaches the network.

import { chromium } from "playwright-core";

const FLAGS = [
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * @param {{ webgpu?: boolean }} [options] `webgpu: false` starts Chromium with WebGPU disabled.
 */
export async function launchChromium(options = {}) {
  const webgpu = options.webgpu ?? true;
  const args = webgpu ? FLAGS : [...FLAGS.filter((flag) => flag !== "--enable-unsafe-webgpu"), "--disable-webgpu"];
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args,
  });
}

/** Where tests save their screenshots. */
export const ARTIFACTS = new URL("./artifacts/", import.meta.url);
