"""``manage.py telegram_set_webhook --channel ID --url https://host``: register the channel's
webhook with Telegram (or ``--delete`` it) and show what Telegram now holds."""

from django.core.management.base import BaseCommand, CommandError
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

from channels_adapters.models import Channel, ChannelKind
from channels_adapters.telegram.redaction import redact
from channels_adapters.telegram.webhook import delete_webhook, set_webhook


class Command(BaseCommand):
    help = "Register (or --delete) a Telegram channel's webhook with the Bot API."

    def add_arguments(self, parser):
        parser.add_argument("--channel", type=int, required=True, help="The channel's id.")
        parser.add_argument("--url", help="This server's public base URL, https://host.")
        parser.add_argument("--delete", action="store_true", help="Remove the webhook.")

    def handle(self, *args, channel, url, delete, **options):
        found = Channel.objects.filter(pk=channel, kind=ChannelKind.TELEGRAM).first()
        if found is None:
            raise CommandError(f"No Telegram channel has the id {channel}.")
        token = str((found.secrets or {}).get("bot_token") or "")
        if not token:
            raise CommandError(f"The channel {found} has no bot_token secret: add the token "
                               "@BotFather gave you first.")
        if not delete and not (url or "").startswith("https://"):
            raise CommandError("--url must be this server's public https:// base URL "
                               "(Telegram only calls HTTPS webhooks).")
        try:
            info = delete_webhook(found) if delete else set_webhook(found, url)
        except InvalidToken:
            raise CommandError("Telegram rejected the bot token.") from None
        except BadRequest as error:  # a NetworkError subclass: Telegram did answer
            raise CommandError(f"Telegram refused: {redact(error.message, token)}") from None
        except NetworkError as error:
            raise CommandError(f"The Bot API cannot be reached: {redact(error.message, token)}"
                               ) from None
        except TelegramError as error:
            raise CommandError(f"Telegram refused: {redact(error.message, token)}") from None
        self.stdout.write("Webhook removed." if delete else "Webhook set.")
        self.stdout.write(f"url: {info.url or '(none)'}")
        self.stdout.write(f"pending updates: {info.pending_update_count}")
        self.stdout.write(f"allowed updates: {', '.join(info.allowed_updates or ()) or 'all'}")
        if info.last_error_message:
            self.stdout.write(f"last error: {info.last_error_message}")
