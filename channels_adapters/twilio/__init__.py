"""Twilio's Messaging API (SMS, MMS, RCS) for the "sms" channel kind: reading its webhook
form posts (``inbound``, ``media``) and sending through its REST API (``outbound``). The
adapter itself is ``channels_adapters.adapters.twilio_sms``."""
