// Runs on a Pairlink connect page (the operator's origin, or one the person granted in the
// popup), in the extension's isolated world. It tells the page the extension is here, so a
// person already on their computer gets one button instead of a code to copy into the popup,
// and it carries the hand-off code the page made to the service worker, which claims it
// exactly as the popup would. The page never sees the ceremony's secret: only the code it made
// itself crosses, and only from this page's own window.
(() => {
  const TAG = "pairlink-passkey";
  if (window[TAG + "-page"]) return; // registered twice (manifest and a granted origin)
  window[TAG + "-page"] = true;

  const say = (message) => window.postMessage({ source: TAG, ...message }, location.origin);

  window.addEventListener("message", async (event) => {
    // Only this page's own window speaks to us: not frames, not other tabs, not our own echo.
    if (event.source !== window || event.origin !== location.origin) return;
    const message = event.data;
    if (message?.source !== "pairlink-page") return;
    if (message.type === "ping") {
      say({ type: "here", name: chrome.runtime.getManifest().name });
    } else if (message.type === "handoff" && typeof message.code === "string") {
      let answer;
      try {
        answer = await chrome.runtime.sendMessage({ type: "claim", origin: location.origin, code: message.code });
      } catch {
        answer = null;
      }
      say({ type: "claimed", ok: Boolean(answer?.ok), message: answer?.message ?? "" });
    }
  });
  // A page that hydrated before this script ran asks again; one that hydrates later pings.
  say({ type: "here", name: chrome.runtime.getManifest().name });
})();
