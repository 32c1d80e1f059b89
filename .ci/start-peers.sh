#!/usr/bin/env bash
# Starts the real servers tests use, on loopback, when they are installed but
# not running. Each line is the restart command from ../shared/PEERS.md.
set -uo pipefail

up() { # name host port
  (exec 3<>"/dev/tcp/$2/$3") 2>/dev/null && { exec 3>&- 3<&-; return 0; } || return 1
}

start() { # name port command...
  local name=$1 port=$2; shift 2
  if up "$name" 127.0.0.1 "$port"; then echo "peer $name: up on $port"; return 0; fi
  if ! command -v "${1}" >/dev/null 2>&1 && [ ! -x "${1}" ]; then
    echo "peer $name: not installed (${1}); tests that need it will fail and say so"; return 0
  fi
  echo "peer $name: starting"
  "$@" >/dev/null 2>&1 </dev/null || true
  for _ in $(seq 1 30); do up "$name" 127.0.0.1 "$port" && { echo "peer $name: up on $port"; return 0; }; sleep 1; done
  echo "peer $name: did not come up on $port"
}

# Installed by the project (PEERS.md): Postfix's smtp-sink is the SMTP peer. Daemons
# installed with apt do not start by themselves here; tests start smtp-sink on their own port.
if ! command -v smtp-sink >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "peer smtp-sink: installing postfix"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get install -y --no-install-recommends postfix >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix >/dev/null 2>&1; }) ||
    echo "peer smtp-sink: install failed; SMTP tests will fail and say so"
fi

# OpenSSH's sshd is the SFTP peer (PEERS.md). The file-drop SFTP test starts its own sshd on a
# loopback port with its own keys and config; it only needs the binary.
if [ ! -x /usr/sbin/sshd ] && [ "$(id -u)" = 0 ]; then
  echo "peer sshd: installing openssh-server"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get install -y --no-install-recommends openssh-server >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server >/dev/null 2>&1; }) ||
    echo "peer sshd: install failed; SFTP tests will fail and say so"
fi

# strace injects disk faults (PEERS.md): the webhook disk-fault test runs the receiver under
# `strace -f -P <store WAL> -e inject=...:error=ENOSPC`; it only needs the binary.
if ! command -v strace >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "peer strace: installing strace"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get install -y --no-install-recommends strace >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends strace >/dev/null 2>&1; }) ||
    echo "peer strace: install failed; the disk-fault test will fail and say so"
fi

if command -v pg_ctlcluster >/dev/null 2>&1; then
  start postgresql 5432 pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
fi
start mariadb 3306 start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
start redis 6379 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
start rabbitmq 5672 rabbitmq-server -detached
start mosquitto 1883 mosquitto -d -c /etc/mosquitto/mosquitto.conf
start nats 4222 start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
exit 0
