from django.core.management.base import BaseCommand, CommandError

from qamqor.accounts.models import PERSONAL_TOKEN_DAYS, User
from qamqor.accounts.tokens import issue_token


class Command(BaseCommand):
    help = "Print a new personal API token for USERNAME (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--label", default="cli")
        parser.add_argument(
            "--days", type=int, default=PERSONAL_TOKEN_DAYS, help="valid for this many days"
        )

    def handle(self, *args, **options):
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {options['username']!r}") from exc
        self.stdout.write(issue_token(user, label=options["label"], days=options["days"]))
