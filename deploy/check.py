"""What Pairlink needs of its deployment files, beyond their schemas: a non-root image from
scratch that stops on SIGTERM, probes on the right routes, a stop long enough for the
hand-over, a disruption budget, and the secrets key from a secret. Run by deploy/check.sh."""
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The server's longest stop: its hand-over, then STOP_GRACE (8 s) for requests in flight.
STOP_NEEDS_SECONDS = 30
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def containerfile():
    lines = [l.strip() for l in (ROOT / "Containerfile").read_text().splitlines() if l.strip() and not l.startswith("#")]
    stages = [l for l in lines if l.upper().startswith("FROM ")]
    check(bool(stages) and (stages[-1].split()[1] == "scratch" or "distroless" in stages[-1]), "Containerfile: the runtime stage is FROM scratch or distroless")
    user = [l.split()[1] for l in lines if l.upper().startswith("USER ")]
    check(user and user[-1].split(":")[0] not in ("0", "root"), "Containerfile: runs as a non-root USER")
    check("EXPOSE 8080" in lines, "Containerfile: EXPOSE 8080")
    check("STOPSIGNAL SIGTERM" in lines, "Containerfile: STOPSIGNAL SIGTERM (the hand-over)")
    check(any(l.startswith("VOLUME") and "/data" in l for l in lines), "Containerfile: one VOLUME, /data")
    check(any(l.startswith("HEALTHCHECK") and "/healthz" in l for l in lines), "Containerfile: a HEALTHCHECK on /healthz")


def seconds(text):
    match = re.fullmatch(r"(\d+)(s|m)?", str(text))
    return int(match[1]) * (60 if match[2] == "m" else 1) if match else 0


def compose():
    doc = yaml.safe_load((ROOT / "deploy/compose/compose.yaml").read_text())
    services = doc["services"]
    replicas = [s for name, s in services.items() if name.startswith("pairlink-")]
    check(len(replicas) == 3, "compose: three Pairlink replicas")
    check("postgres" in services and "balancer" in services, "compose: PostgreSQL and a load balancer")
    for s in replicas:
        env = s["environment"]
        check(env["DATABASE_URL"].startswith("postgres://"), "compose: replicas share PostgreSQL")
        check("PAIRLINK_SECRETS_KEY_FILE" in env and "secrets_key" in s["secrets"], "compose: the secrets key from a secret")
        check(seconds(s["stop_grace_period"]) >= STOP_NEEDS_SECONDS, "compose: stop_grace_period covers the hand-over")
        check("health" in s["healthcheck"]["test"], "compose: health checked by `pairlink health`")
    conf = (ROOT / "deploy/compose/nginx.conf").read_text()
    for name in ("pairlink-1", "pairlink-2", "pairlink-3"):
        check(f"server {name}:8080" in conf, f"nginx.conf: {name} is an upstream")
    check("proxy_buffering off" in conf, "nginx.conf: event streams unbuffered")


def kubernetes():
    docs = [d for f in sorted((ROOT / "deploy/kubernetes").glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]
    kinds = {d["kind"]: d for d in docs}
    check("PodDisruptionBudget" in kinds, "kubernetes: a PodDisruptionBudget")
    deployment = kinds.get("Deployment")
    check(deployment is not None, "kubernetes: a Deployment")
    if deployment is None:
        return
    pod = deployment["spec"]["template"]["spec"]
    check(pod.get("terminationGracePeriodSeconds", 30) > STOP_NEEDS_SECONDS, "kubernetes: terminationGracePeriodSeconds above the hand-over")
    check(pod["securityContext"].get("runAsNonRoot") is True, "kubernetes: runAsNonRoot")
    container = pod["containers"][0]
    check(container["readinessProbe"]["httpGet"]["path"] == "/readyz", "kubernetes: readiness on /readyz")
    check(container["livenessProbe"]["httpGet"]["path"] == "/healthz", "kubernetes: liveness on /healthz")
    env = {e["name"]: e for e in container["env"]}
    check("secretKeyRef" in env.get("PAIRLINK_SECRETS_KEY", {}).get("valueFrom", {}), "kubernetes: the secrets key from a Secret")
    check("secretKeyRef" in env.get("DATABASE_URL", {}).get("valueFrom", {}), "kubernetes: the database URL (its password) from a Secret")


containerfile()
compose()
kubernetes()
for f in failures:
    print(f"deploy/check.py: {f}", file=sys.stderr)
if failures:
    sys.exit(1)
print("deploy/check.py: the Containerfile, the compose file and the Kubernetes manifests give Pairlink what it needs")
