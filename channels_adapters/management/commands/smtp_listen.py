"""``manage.py smtp_listen``: receive forwarded mail for the e-mail channels over SMTP."""

import asyncio

from django.core.management.base import BaseCommand

from channels_adapters.email.smtp_listener import smtp_server_factory


class Command(BaseCommand):
    help = ("Listen for mail over SMTP and store what is addressed to an active e-mail "
            "channel (point your mail server's forwarding or MX here).")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args, host, port, **options):
        raise SystemExit(asyncio.run(self.serve(host, port)))

    async def serve(self, host: str, port: int) -> int:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(smtp_server_factory(), host=host, port=port)
        self.stdout.write(f"Receiving mail on smtp://{host}:{port}/ (Ctrl-C stops)")
        async with server:
            await server.serve_forever()
        return 0
