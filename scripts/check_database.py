"""Exit 0 when the MySQL/MariaDB server of a database URL answers; else one line on how to get one."""
import sys

import environ
import MySQLdb

url = sys.argv[1]
config = environ.Env.db_url_config(url)
try:
    MySQLdb.connect(
        host=config.get("HOST") or "127.0.0.1",
        port=int(config.get("PORT") or 3306),
        user=config.get("USER") or "root",
        password=config.get("PASSWORD") or "",
        connect_timeout=5,
    ).close()
except MySQLdb.Error as exc:
    print(
        f"No MySQL/MariaDB answers at {url} ({exc.args[-1]}). Start one with "
        "`docker compose up -d db-test` and run `TEST_DATABASE_URL=mysql://root:@127.0.0.1:3307/test make test`, "
        "or install your distribution's MariaDB (Debian: sudo apt-get install mariadb-server).",
        file=sys.stderr,
    )
    sys.exit(1)
