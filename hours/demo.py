"""The demo's business hours (``manage.py load_demo``): Support open long days and Saturday,
Sales office hours; Sales closed today for stocktaking, so its customers who wrote today got
the out-of-hours reply."""

import zoneinfo
from datetime import time

from django.utils import timezone

from inbox.models import Message

from .actions import send_out_of_hours_reply
from .models import BusinessHours, Holiday, OpeningInterval

PARIS = "Europe/Paris"
SUPPORT_TEXT = ("Thanks for writing to Lumen Home! Our support team is away right now; we will "
                "answer as soon as we are back, {next_opening}.")
SALES_TEXT = ("Thanks for your message! The Lumen Home sales team is closed today; we will "
              "answer {next_opening}.")


def _hours(team, week, *, text, holidays=()) -> BusinessHours:
    hours = BusinessHours.objects.create(team=team, time_zone=PARIS, out_of_hours_reply=True,
                                         out_of_hours_text=text)
    OpeningInterval.objects.bulk_create(
        OpeningInterval(business_hours=hours, weekday=weekday, opens=time(*opens),
                        closes=time(*closes))
        for weekday, opens, closes in week)
    Holiday.objects.bulk_create(Holiday(business_hours=hours, date=day, yearly=yearly, name=name)
                                for day, yearly, name in holidays)
    return hours


def demo_business_hours(demo) -> None:
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(PARIS)).date()
    _hours(demo.teams["Support"],
           [*((day, (8,), (20,)) for day in range(5)), (5, (10,), (16,))], text=SUPPORT_TEXT,
           holidays=[(today.replace(month=1, day=1), True, "New Year's Day"),
                     (today.replace(month=5, day=1), True, "Labour Day"),
                     (today.replace(month=12, day=25), True, "Christmas")])
    _hours(demo.teams["Sales"], [(day, (9,), (18,)) for day in range(5)], text=SALES_TEXT,
           holidays=[(today, False, "Stocktaking")])
    # What the listener's task did for each message the Sales customers wrote today.
    for message in (Message.objects.filter(direction=Message.Direction.INBOUND,
                                           thread__team=demo.teams["Sales"])
                    .order_by("created_at", "id")):
        send_out_of_hours_reply(message=message)
