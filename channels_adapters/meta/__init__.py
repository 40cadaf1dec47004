"""Meta's channels: WhatsApp Cloud API, Messenger and Instagram direct messages.

All three speak the Graph API and sign their webhooks the same way; the adapters in
``channels_adapters.adapters.meta`` put these modules together.
"""
