"""The demo's first-line bot (``manage.py load_demo``): Support's bot answers on the website
chat from five articles. A visitor got two answers, then asked for a person: the thread
holds the bot's hand-off note for the agent."""

from inbox.actions import receive_message

from .actions import bot_handle_message
from .models import Article, BotSettings

ARTICLES = (
    ("What are your opening hours?",
     "opening times\nwhen are you open\nare you open on saturday",
     "Our support team is here Monday to Friday from 8:00 to 20:00 and on Saturday from 10:00 "
     "to 16:00 (Paris time). You can write at any time: we answer in the order received."),
    ("What is your refund policy?",
     "money back\nreturn a product\nrefund",
     "You can return any lamp within 30 days of delivery, unused and in its box, for a full "
     "refund. Start a return from Account → Orders; the refund reaches your card within 5 "
     "working days of our receiving the parcel."),
    ("How do I reset my password?",
     "forgot my password\ncannot log in\nsign in problem",
     "On the sign-in page, choose “Forgot password” and enter your e-mail address: we send "
     "you a link to choose a new password. The link works for one hour."),
    ("How long does delivery take?",
     "shipping time\nwhen will my parcel arrive\ndelivery to belgium",
     "Orders leave our warehouse within one working day and arrive in 2 to 4 working days in "
     "France, Belgium and Luxembourg, 4 to 7 elsewhere in Europe. You get a tracking link by "
     "e-mail when your parcel ships."),
    ("How do I cancel my subscription?",
     "stop my subscription\nunsubscribe\ncancel the bulb club",
     "Open Account → Subscription and choose “Cancel”. The Bulb Club stays active until the "
     "end of the period you paid for; nothing more is charged."),
)
VISIT = ("visitor-8e42aa", "Marc", ["Hi! How long does delivery take to Belgium?",
                                    "Great, thanks! And what is your refund policy?",
                                    "The lamp I got is the wrong colour. I'd like to talk to "
                                    "a person please."])


def demo_bot(demo) -> None:
    support = demo.teams["Support"]
    Article.objects.bulk_create(Article(team=support, question=question, keywords=keywords,
                                        answer=answer)
                                for question, keywords, answer in ARTICLES)
    BotSettings.objects.create(team=support, enabled=True, channel_kinds=["webchat"])
    address, name, texts = VISIT
    for number, text in enumerate(texts):
        message = receive_message(channel=demo.channels["webchat"], address=address,
                                  display_name=name, text=text,
                                  external_id=f"demo-bot-{number}").message
        bot_handle_message(message=message)  # what the listener's task does live
