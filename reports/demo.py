"""Four weeks of past conversations for the demo, so that its report pages have something to
show: told through the actions like the stories, then moved back to the times they happened.

Every step of a conversation runs now, through ``inbox.actions``; once the conversation is
told, the rows each step wrote (its messages and events) are given the step's time, and the
report tables are rebuilt from the events at the end (``rebuild_reports``). The past
conversations are all resolved: the demo's open threads remain the stories'. Most were
asked the CSAT question, and some answered.
"""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from customers.models import Customer
from inbox.actions import assign_thread, change_status, receive_message, send_reply
from inbox.models import Event, Message, Thread, User
from surveys.actions import record_answer, send_survey
from surveys.models import Survey

from .rebuild import rebuild_reports

# (channel key in the demo, how to make the customer's address, weight)
CHANNEL_MIX = (
    ("email", lambda n: f"customer{n}@history.example", 34),
    ("webchat", lambda n: f"visitor-history-{n}", 20),
    ("whatsapp", lambda n: f"+336123{n:05}", 16),
    ("telegram", lambda n: f"77{n:06}", 10),
    ("messenger", lambda n: f"88{n:08}", 8),
    ("instagram", lambda n: f"99{n:08}", 7),
    ("sms", lambda n: f"+336987{n:05}", 5),
)
CHAT_KINDS = {"webchat", "whatsapp", "telegram", "messenger", "instagram", "sms"}
QUESTIONS = ("Where is my order?", "The lamp flickers below 30%.", "Can I change my address?",
             "I was charged twice.", "Do you ship to Belgium?", "Which bulb fits the Arc lamp?",
             "Any news on my refund?", "The remote stopped pairing.")
FIRST_NAMES = ("Aiko", "Bruno", "Carmen", "Dmitri", "Elena", "Farid", "Greta", "Hannah", "Ivo",
               "Jade", "Kofi", "Lucia", "Mads", "Nina", "Oskar", "Pia", "Quentin", "Rosa")
LAST_NAMES = ("Almeida", "Brandt", "Costa", "Dupont", "Eriksen", "Fontaine", "Gallo", "Horvat",
              "Ito", "Jovanovic", "Keller", "Lindqvist", "Moreau", "Novak", "Ortiz", "Petrov")
ANSWERS = ("It left our warehouse today.", "I have refunded the duplicate charge.",
           "Please hold the reset button for ten seconds.", "Yes, delivery takes four days.",
           "A replacement is on its way.", "I have updated the address on your order.")

SCORES = (1, 2, 3, 4, 5)
SCORE_WEIGHTS = (4, 6, 14, 34, 42)
SLOW_WEIGHTS = (14, 18, 28, 25, 15)  # resolved after more than eight hours
COMMENTS = {1: ("Nobody answered for hours.",), 2: ("Had to explain it twice.",),
            3: ("Fine in the end.",), 4: ("Quick and friendly.", "Solved, thanks."),
            5: ("Perfect, thank you!", "Super fast answer.")}


class _Steps:
    """The rows each step wrote, to be moved back to the step's time."""

    def __init__(self):
        self.moves: list[tuple[int, int, datetime]] = []  # (after event id, after message id, at)

    def run(self, at: datetime, action, **arguments):
        marks = (_last_id(Event), _last_id(Message))
        result = action(**arguments)
        self.moves.append((*marks, at))
        return result

    def move_back(self, thread: Thread) -> None:
        bounds = self.moves
        for index, (event_id, message_id, at) in enumerate(bounds):
            events = Event.objects.filter(pk__gt=event_id)
            messages = Message.objects.filter(pk__gt=message_id)
            if index + 1 < len(bounds):
                events = events.filter(pk__lte=bounds[index + 1][0])
                messages = messages.filter(pk__lte=bounds[index + 1][1])
            events.update(created_at=at)
            # Delivered long ago: the delivery task, run at commit, finds nothing queued.
            messages.exclude(delivery_status="").update(
                created_at=at, sent_at=at, delivery_status=Message.DeliveryStatus.DELIVERED)
            messages.filter(delivery_status="").update(created_at=at)
        first, last = bounds[0][2], bounds[-1][2]
        Thread.objects.filter(pk=thread.pk).update(last_activity_at=last, last_inbound_at=first,
                                                   created_at=first)
        Customer.objects.filter(pk=thread.customer_id).update(created_at=first)


def _last_id(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def past_conversations(demo, *, days: int = 28, seed: int = 7) -> int:
    """Tell ``days`` of resolved conversations ending yesterday; return how many."""
    rng = random.Random(seed)
    keys = [key for key, _, _ in CHANNEL_MIX]
    weights = [weight for _, _, weight in CHANNEL_MIX]
    addresses = {key: make for key, make, _ in CHANNEL_MIX}
    agents = {team: [user for user in User.objects.filter(teams=team, role=User.Role.AGENT)]
              for team in demo.teams.values()}
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    number = 0
    for day in range(days, 0, -1):
        date = today - timedelta(days=day)
        for _ in range(rng.randint(1, 3) if date.weekday() < 5 else rng.randint(0, 1)):
            number += 1
            key = rng.choices(keys, weights)[0]
            start = date + timedelta(hours=rng.uniform(8, 18))
            _one_conversation(demo, rng, key, addresses[key](number), start, agents)
    rebuild_reports()
    return number


def _one_conversation(demo, rng, key, address, start, agents) -> None:
    channel = demo.channels[key]
    chat = key in CHAT_KINDS
    steps = _Steps()
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    thread = steps.run(start, receive_message, channel=channel, address=address,
                       display_name=name, text=rng.choice(QUESTIONS),
                       external_id=f"history-{address}-1").message.thread
    agent = rng.choice(agents[channel.team])
    first_response = timedelta(minutes=rng.lognormvariate(1.8, 0.8) if chat
                               else rng.lognormvariate(4.2, 0.9))
    # All of it before today: today belongs to the stories.
    latest = timezone.localtime().replace(hour=0, minute=0, second=0,
                                          microsecond=0) - timedelta(minutes=1)
    first_response = min(first_response, latest - timedelta(minutes=3) - start)
    if rng.random() < 0.5:
        steps.run(start + first_response / 3, assign_thread, thread=thread, assignee=agent,
                  by=demo.users["sofia"])
    if rng.random() < 0.25:
        steps.run(start + first_response / 2, receive_message, channel=channel,
                  address=address, text="Hello? Anyone there?",
                  external_id=f"history-{address}-2")
    replied = start + first_response
    steps.run(replied, send_reply, thread=thread, channel=channel, author=agent,
              text=rng.choice(ANSWERS))
    resolved = min(replied + timedelta(minutes=rng.lognormvariate(3.5 if chat else 5.0, 1.0)),
                   latest)
    steps.run(resolved, change_status, thread=thread, status=Thread.Status.RESOLVED, by=agent)
    sent = min(resolved + timedelta(minutes=1), latest)
    survey = steps.run(sent, send_survey, thread=thread, resolved_by_id=agent.pk)
    answered = None
    if survey is not None and rng.random() < 0.6:
        answered = min(sent + timedelta(minutes=rng.uniform(3, 300)), latest)
        slow = resolved - start > timedelta(hours=8)
        score = rng.choices(SCORES, SLOW_WEIGHTS if slow else SCORE_WEIGHTS)[0]
        comment = rng.choice(COMMENTS[score]) if rng.random() < 0.4 else ""
        steps.run(answered, record_answer, survey=survey, score=score, comment=comment,
                  via=Survey.Via.LINK)
    steps.move_back(thread)
    if survey is not None:
        Survey.objects.filter(pk=survey.pk).update(
            sent_at=sent, answered_at=answered, expires_at=sent + timedelta(days=7))
