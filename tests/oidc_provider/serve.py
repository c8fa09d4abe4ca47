"""Run the test OpenID provider: migrate a fresh SQLite database, create an RSA signing key
(the `creatersakey` command), the people in identities.py and one confidential client, then
serve on 127.0.0.1.

    python tests/oidc_provider/serve.py --port 8123 --database /tmp/op.sqlite3 \\
        --redirect-uri http://localhost:8000/accounts/oidc/callback/
"""

import argparse
import os
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--redirect-uri", action="append", required=True)
    parser.add_argument("--no-consent", action="store_true")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ["DJANGO_SETTINGS_MODULE"] = "op_settings"
    os.environ["OP_DATABASE"] = args.database
    os.environ["OP_SITE_URL"] = f"http://127.0.0.1:{args.port}"

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from identities import CLIENT_ID, CLIENT_SECRET, PASSWORD, PEOPLE
    from oidc_provider.models import Client, ResponseType, RSAKey

    call_command("migrate", verbosity=0, interactive=False)
    if not RSAKey.objects.exists():
        call_command("creatersakey")
    users = get_user_model()
    for username, person in PEOPLE.items():
        user, _ = users.objects.get_or_create(username=username)
        user.email = person["email"]
        user.set_password(PASSWORD)
        user.save()
    client, _ = Client.objects.update_or_create(
        client_id=CLIENT_ID,
        defaults={
            "name": "enplan",
            "client_type": "confidential",
            "client_secret": CLIENT_SECRET,
            "jwt_alg": "RS256",
            "require_consent": not args.no_consent,
            "reuse_consent": False,
            "_redirect_uris": "\n".join(args.redirect_uri),
            "_scope": "openid email profile",
        },
    )
    client.response_types.set([ResponseType.objects.get(value="code")])

    call_command(
        "runserver",
        f"127.0.0.1:{args.port}",
        use_reloader=False,
        use_threading=True,
        skip_checks=True,
    )


if __name__ == "__main__":
    main()
