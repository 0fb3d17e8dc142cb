// The distribution routes /health and /version to the service's load balancer (a second origin),
// so the page asks the service it describes; on its own (a bucket alone) it says so.
async function show(path, id, format) {
  const el = document.getElementById(id);
  try {
    const resp = await fetch(path, { cache: "no-store" });
    el.textContent = format(await resp.json(), resp);
  } catch {
    el.textContent = "not reachable from here";
  }
}

show("/health", "status", (body, resp) => (resp.ok ? body.status : `${body.status} (HTTP ${resp.status})`));
show("/version", "version", (body) => `${body.version} (${String(body.commit).slice(0, 12)})`);
