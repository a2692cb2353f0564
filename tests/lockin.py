"""No lock-in: a database made by `lagom` opens in an independent, stock SQLCipher 4
(PyPI's sqlcipher3-binary) with nothing but the recovery key, as the README promises.

Run by scripts/test.sh with the CLI already built: python tests/lockin.py target/debug/lagom
"""
import json
import os
import subprocess
import sys
import tempfile

from sqlcipher3 import dbapi2 as sqlcipher


def main(lagom: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        db = os.path.join(folder, "lagom.db")
        env = dict(os.environ, LAGOM_PASSPHRASE="a passphrase for this test")
        run = lambda *args: subprocess.run([lagom, "--db", db, *args], env=env, check=True, capture_output=True, text=True)
        key = json.loads(run("init", "--json").stdout)["recovery_key"]
        run("contact", "add", "--given-name", "Åsa", "--family-name", "Öst", "--email", "asa@example.se",
            "--purpose", "Newsletter")

        conn = sqlcipher.connect(db)
        conn.execute(f"PRAGMA key = \"x'{key}'\"")
        version = conn.execute("PRAGMA cipher_version").fetchone()[0]
        rows = conn.execute("SELECT given_name, family_name, email FROM contact").fetchall()
        conn.close()

        wrong = sqlcipher.connect(db)
        wrong.execute("PRAGMA cipher_log_level = NONE")  # the expected hmac failure is not news
        wrong.execute("PRAGMA key = \"x'" + "0" * 64 + "'\"")
        try:
            wrong.execute("SELECT count(*) FROM sqlite_master").fetchone()
            refused = False
        except sqlcipher.DatabaseError:
            refused = True

    ok = rows == [("Åsa", "Öst", "asa@example.se")] and refused
    print(f"stock SQLCipher {version} opens the file with the recovery key: {rows}; a wrong key is refused: {refused}")
    print(f"lockin: {1 if ok else 0} passed, {0 if ok else 1} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
