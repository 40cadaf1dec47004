from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ChannelsAdaptersConfig(AppConfig):
    name = "channels_adapters"
    verbose_name = "Channels"

    def ready(self):
        from .models import Channel
        from .selectors import forget_channels

        # This process sees its own changes at once; others within CHANNEL_CACHE_SECONDS.
        for signal in (post_save, post_delete):
            signal.connect(lambda **_: forget_channels(), sender=Channel, weak=False,
                           dispatch_uid=f"forget-channels-{signal}")
