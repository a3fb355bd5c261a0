#!/bin/sh
# A small supervisor standing in for supervisord: start, stop, restart or status of the app,
# run in the background with the virtualenv's python, its pid in app.pid, its log in app.log.
#   supervise.sh start|stop|restart|status VENV
set -u
cd "$(dirname "$0")" || exit 1
action=${1:-status}
venv=${2:-}
pidfile=app.pid

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

start() {
  if running; then echo "app is already running (pid $(cat "$pidfile"))"; return 0; fi
  # setsid: the app leaves the SSH session's process group and outlives it.
  setsid "$venv/bin/python" app.py >> app.log 2>&1 < /dev/null &
  echo $! > "$pidfile"
  # Ready once it answers; a crash shows the end of its log.
  i=0
  while [ $i -lt 100 ]; do
    if "$venv/bin/python" -c "import local_settings as s, urllib.request; urllib.request.urlopen('http://%s:%d/' % (s.BIND, s.PORT), timeout=1)" 2>/dev/null; then
      echo "app started (pid $(cat "$pidfile"))"
      return 0
    fi
    if ! running; then echo "app failed to start:"; tail -n 5 app.log; return 1; fi
    sleep 0.1
    i=$((i + 1))
  done
  echo "app did not answer in 10 s"; return 1
}

stop() {
  if running; then
    kill "$(cat "$pidfile")"
    echo "app stopped"
  else
    echo "app was not running"
  fi
  rm -f "$pidfile"
}

case "$action" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if running; then echo "app is running (pid $(cat "$pidfile"))"; else echo "app is stopped"; exit 3; fi ;;
  *) echo "usage: supervise.sh start|stop|restart|status VENV" >&2; exit 2 ;;
esac
