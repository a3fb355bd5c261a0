"""A tiny web application standing in for Django in the deployment tutorial.

It answers every GET with its settings (from local_settings.py, which the deployment writes) and
the release it runs (the VERSION file of the checked-out commit).
"""
import http.server
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import local_settings  # noqa: E402  (written by the Config node of the deployment)


def version():
    with open(os.path.join(HERE, "VERSION")) as f:
        return f.read().strip()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({
            "greeting": local_settings.GREETING,
            "instance": local_settings.INSTANCE,
            "version": version(),
            "python": sys.prefix,
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))


def main():
    if sys.argv[1:] == ["check"]:
        # Like Django's `manage.py check`: the settings load and make sense.
        assert 0 < local_settings.PORT < 65536, "PORT must be a TCP port"
        print("System check identified no issues (instance %s, version %s)." % (local_settings.INSTANCE, version()))
        return
    server = http.server.HTTPServer((local_settings.BIND, local_settings.PORT), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
