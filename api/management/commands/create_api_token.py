"""``manage.py create_api_token --name CRM --scope write --team Support``: a token for an
integrator from the command line; its key is printed once and never stored."""

from django.core.management.base import BaseCommand, CommandError

from api.models import Scope
from api.tokens import create_token
from inbox.models import Team


class Command(BaseCommand):
    help = "Create an API token and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Who uses it, e.g. 'Shop CRM'.")
        parser.add_argument("--scope", choices=Scope.values, default=Scope.READ)
        parser.add_argument("--team", action="append", default=[], dest="teams",
                            help="A team whose threads the token sees (repeat for several).")
        parser.add_argument("--all-teams", action="store_true",
                            help="See every team's threads, like a supervisor.")

    def handle(self, *args, name: str, scope: str, teams: list[str], all_teams: bool,
               **options):
        found = {team.name: team for team in Team.objects.filter(name__in=teams)}
        missing = sorted(set(teams) - set(found))
        if missing:
            raise CommandError(f"No team named {', '.join(missing)}.")
        if not teams and not all_teams:
            raise CommandError("Give --team (one or more) or --all-teams.")
        token, raw_key = create_token(name=name, scope=scope, teams=found.values(),
                                      all_teams=all_teams)
        self.stderr.write(f"Token {token} ({token.scope}) created. Its key, shown only now:")
        self.stdout.write(raw_key)
