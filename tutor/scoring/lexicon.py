"""The words the scorer knows about, kept apart from the logic that uses them.

Synonym groups cover the everyday vocabulary of service complaints (orders,
deliveries, bills, repairs, bookings, appointments) so that a trainee's own
words can be matched to the customer's. A group is named by its first member;
phrases are written in base form ("turn up") and matched after stemming.
"""

from __future__ import annotations

from typing import Final

SYNONYMS: Final[tuple[tuple[str, ...], ...]] = (
    ("arrive", "turn up", "show up", "come", "came", "deliver", "delivery", "get there", "got there",
     "reach", "land", "receive", "turn out", "come through", "drop off", "make it"),
    ("late", "delay", "overdue", "after", "miss", "behind", "slow", "too long", "long", "ages",
     "hold up", "held up", "not on time", "lateness", "wait", "waiting", "still waiting",
     "drag", "postpone"),
    ("still", "yet", "even now", "anymore"),
    ("busy", "busiest", "queue", "rush", "peak", "packed", "rush hour", "heaving"),
    ("appointment", "visit", "slot", "follow up", "booking slot"),
    ("present", "gift"),
    ("favourite", "favorite", "enjoy", "love", "loved", "liked", "best"),
    ("birthday", "big day", "the day", "party", "celebration"),
    ("daughter", "son", "child", "kid", "girl", "boy", "little one"),
    ("pay", "paid", "payment", "charge", "cost", "fee", "price", "money", "extra", "dollar", "pound",
     "premium", "fork out", "shell out"),
    ("express", "fast", "quick", "next day", "priority", "rush", "speedy", "faster", "expedite",
     "guarantee", "guaranteed"),
    ("tell", "told", "warn", "warning", "inform", "notify", "notification", "let know", "heads up",
     "update", "contact", "call", "phone", "message", "email", "text", "hear", "explain",
     "communicate", "word", "keep in the loop", "in the dark", "say", "mention"),
    ("nobody", "no one", "never", "without", "nothing", "not", "no", "none", "neither"),
    ("order", "purchase", "buy", "bought", "item", "thing"),
    ("package", "parcel", "box", "shipment", "delivery"),
    ("track", "tracking", "status", "stuck", "not moved", "has not moved", "frozen"),
    ("home", "stay in", "stayed in", "house", "indoors", "at home", "in"),
    ("day", "days", "week", "weeks", "daily", "every day"),
    ("bill", "invoice", "statement", "account", "charges", "amount"),
    ("high", "huge", "double", "doubled", "twice", "much more", "more", "expensive", "massive",
     "big", "sky high", "shoot up", "shot up", "jump", "increase", "go up", "went up", "triple",
     "three times", "lot"),
    ("use", "usage", "consume", "consumption", "same as", "normal", "usual", "change"),
    ("broken", "break", "fault", "faulty", "not working", "stop working", "do not work", "dead",
     "fail", "wrong", "problem", "issue", "fix", "repair", "mend", "sort", "sort out", "crash",
     "down", "outage", "glitch"),
    ("again", "second time", "another", "back", "return", "repeat", "twice"),
    ("same", "identical", "no better", "no different", "exactly the same", "just like before"),
    ("laptop", "computer", "machine", "device", "pc"),
    ("screen", "display", "monitor"),
    ("room", "suite", "accommodation"),
    ("book", "booking", "reservation", "reserve", "order", "promise", "advertise", "website",
     "expect"),
    ("hotel", "place", "resort"),
    ("view", "sea", "window", "balcony", "outlook"),
    ("noise", "noisy", "loud", "loudly", "rattle", "racket", "din", "drilling"),
    ("sleep", "slept", "awake", "kept awake", "night", "rest", "tired", "exhausted"),
    ("flight", "plane", "fly", "airline", "trip", "travel"),
    ("cancel", "cancelled", "cancelling", "cancellation", "scrap", "call off", "called off", "axe",
     "end", "ended", "quit", "terminate", "close", "closed", "stop", "stopped"),
    ("rebook", "new flight", "alternative", "another flight", "next flight", "option",
     "replacement", "seat"),
    ("wedding", "event", "ceremony", "occasion"),
    ("engineer", "technician", "installer", "nobody came"),
    ("internet", "broadband", "wifi", "connection", "online", "line"),
    ("work", "job", "working from home", "meeting", "meetings", "office"),
    ("time off", "day off", "holiday", "take a day", "unpaid", "wages", "lost pay"),
    ("test", "results", "result", "scan", "blood", "doctor", "clinic", "surgery", "hospital"),
    ("card", "terminal", "machine", "reader", "till", "checkout"),
    ("customer", "client", "people", "shopper", "queue"),
    ("lose", "lost", "losing", "turn away", "walk out", "sales", "business", "takings",
     "revenue", "income"),
    ("shop", "store", "cafe", "business", "restaurant"),
    ("stream", "streaming", "show", "shows", "film", "films", "movie", "movies", "series",
     "content", "watch", "catalogue", "library", "subscription", "channel"),
    ("remove", "take off", "taken off", "gone", "disappear", "pull", "drop", "lose access"),
    ("price rise", "price increase", "put up", "went up", "raise", "more expensive"),
    ("hour", "hours", "minute", "minutes", "all day", "morning", "afternoon"),
    ("afford", "manage", "cover", "budget", "can not pay", "too much"),
    ("callback", "call back", "ring back", "get back to", "phone back", "hear back", "chase"),
    ("refund", "money back", "compensation", "credit", "reimburse"),
    ("promise", "promised", "assure", "assured", "say", "supposed", "meant to", "should"),
)

# past forms and plurals that a suffix stemmer cannot undo
IRREGULAR: Final = {
    "paid": "pay", "told": "tell", "felt": "feel", "went": "go", "gone": "go", "came": "come",
    "sent": "send", "bought": "buy", "brought": "bring", "got": "get", "gotten": "get",
    "gave": "give", "given": "give", "took": "take", "taken": "take", "made": "make",
    "said": "say", "says": "say", "saw": "see", "seen": "see", "left": "leave", "kept": "keep",
    "lost": "lose", "spent": "spend", "heard": "hear", "thought": "think", "knew": "know",
    "known": "know", "broke": "break", "broken": "broken", "stuck": "stuck", "held": "hold",
    "children": "child", "people": "people", "was": "be", "were": "be", "been": "be", "is": "be",
    "are": "be", "am": "be", "has": "have", "had": "have", "did": "do", "does": "do",
    "done": "do", "ran": "run", "running": "run", "stopped": "stop", "shut": "shut",
    "days": "day", "weeks": "week", "booked": "book", "booking": "book", "charged": "charge",
    "delivery": "delivery", "delivered": "deliver", "business": "business", "news": "news",
    "this": "this", "its": "its", "was not": "be not",
}

PERSON_SWAP: Final = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "am": "are",
    "we": "you", "us": "you", "our": "your", "ours": "yours",
}

_STOPWORD_TEXT: Final = """
a about above across after again against all almost already also although always am among an
and any anyone anything anyway are around as at be because been before being below between both
but by can cannot could did do does doing done down during each either else enough even ever
every few for from further get gets getting got had has have having he her here hers herself him
himself his how however i if in into is it its itself just kind know like ll made make many may
me might mine more most much must my myself need needs now of off often oh ok okay on once one
only or other others otherwise ought our ours ourselves out over own per perhaps please quite
rather re really right said same say says see seem seems shall she should since so some somehow
something sometimes somewhat soon such sure than thank thanks that the their theirs them
themselves then there these they thing things think this those though through thus to today too
toward towards um uh under until up upon us ve very via want wants was way we well were what
whatever when where whether which while who whom whose why will with within would yeah yes yet
you your yours yourself yourselves hi hello hey er erm hmm mm mhm gosh wow ah look listen
sorry apologise apologize apologies afraid understand understood totally completely absolutely
definitely certainly literally basically actually honestly mean means meant let lets go going
goes went tell me bit lot lots sort kind ago
"""
STOPWORDS: Final = frozenset(_STOPWORD_TEXT.split()) - frozenset({
    "after", "again", "down", "still", "not", "no", "nothing", "never", "more", "much", "tell", "late",
    "out", "off", "same", "lot"})

NUMBERS: Final = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                           "eleven", "twelve", "twenty", "thirty", "forty", "fifty", "hundred"})

WH_WORDS: Final = frozenset({"what", "how", "why", "when", "where", "which", "who", "whose"})
AUXILIARIES: Final = frozenset({
    "do", "does", "did", "is", "are", "was", "were", "have", "has", "had", "can", "could",
    "will", "would", "shall", "should", "may", "might", "must"})
SUBJECTS: Final = frozenset({"you", "it", "i", "we", "they", "he", "she", "that", "this",
                             "there", "anyone", "anything", "everything", "someone", "the"})
QUESTION_FOLLOWERS: Final = frozenset({
    "happened", "happens", "else", "kind", "sort", "exactly", "matters", "worries", "concerns",
    "came", "went", "made", "part", "about", "time", "date", "day", "number", "size", "colour",
    "color", "model", "address", "postcode", "email", "name", "reference", "has", "led",
    "impact", "effect", "difference", "outcome", "result", "options", "can", "come", "did"})
HOW_ADVERBS: Final = frozenset({"much", "many", "long", "often", "old", "far", "soon", "big",
                                "has", "have", "did", "does", "do", "is", "are", "was", "were",
                                "would", "could", "can", "should", "come", "else"})
# a question word right after these is part of a statement
NOT_BEFORE_QUESTION: Final = frozenset({
    "see", "know", "understand", "imagine", "hear", "what", "is", "that", "tell", "hearing",
    "saying", "sure", "wonder", "wondering", "exactly", "just", "about", "of", "explain",
    "appreciate", "realise", "realize", "matter", "show", "like", "so", "where", "than", "as",
    "nor", "neither", "here", "if", "whether", "why", "how", "when", "no", "and", "asking"})

FACT_WORDS: Final = frozenset({
    "number", "postcode", "zip", "code", "date", "time", "address", "name", "email", "reference",
    "account", "phone", "model", "serial", "amount", "price", "day", "size", "colour", "color",
    "booking", "ticket", "surname", "birth", "flight", "order", "id", "pin", "card",
    "password", "total", "invoice"})
# "would you like to tell me more", "can you talk me through it": yes/no in form only
INVITATIONS: Final = (
    "tell me more", "tell me about", "tell me what", "tell me how", "tell me a bit", "tell me a little",
    "talk me through", "walk me through", "take me through", "say more", "hear more",
    "share more", "help me understand", "describe", "explain what", "explain how",
    "tell me everything", "what happened", "in your own words", "anything else",
)
BACKCHANNELS: Final = frozenset({
    "mm", "mmm", "mhm", "hmm", "hm", "uh", "huh", "okay", "ok", "right", "yes", "yeah", "yep",
    "sure", "i", "see", "understand", "got", "it", "of", "course", "alright", "oh", "ah", "wow",
    "gosh", "really", "no", "know", "true", "absolutely", "totally", "dear", "god", "go", "on",
    "indeed", "sorry", "the", "a", "and", "um", "er", "fine", "good", "thanks", "that"})
# words that turn a short remark during the customer's turn into a cut-in
CUT_IN_WORDS: Final = frozenset({
    "but", "wait", "hang", "hold", "stop", "excuse", "actually", "however", "listen", "look",
    "let", "can", "could", "what", "why", "how", "when", "where", "who", "which", "did",
    "do", "does", "is", "are", "was", "were", "will", "would", "should", "must", "need",
    "please", "let's", "before", "just"})

# feelings a trainee might name; matched by stem, so "frustrating" and "frustrated" both count
FEELINGS: Final = (
    "frustrat", "annoy", "upset", "upsett", "disappoint", "stress", "worr", "anxi", "awful",
    "terrible", "horrible", "horrid", "dreadful", "exhaust", "tiring", "tired", "draining",
    "angry", "anger", "furious", "fury", "infuriat", "livid", "mad", "cross", "irritat",
    "aggravat", "scar", "frighten", "fright", "afraid", "fear", "nervous", "panic", "embarrass",
    "humiliat", "hurt", "let down", "fed up", "sad", "gutted", "devastat", "heartbreak",
    "heartbroken", "miserable", "unfair", "overwhelm", "helpless", "powerless", "ignored",
    "insult", "shock", "nightmare", "difficult", "hard", "tough", "rough", "stressful",
    "confus", "uncomfortable", "lonely", "isolat", "ordeal", "unsettl", "distress",
    "concern", "bother", "hassle", "fuming", "sick of", "tired of", "worn out", "at the end of",
    "disheart", "demoraliz", "demoralis", "discourag", "frighten", "alarm", "feel bad",
    "felt bad", "feel awful", "felt awful", "felt terrible", "crushed", "heartbreaking",
    "unacceptable", "not good enough", "not okay", "not ok", "not fair",
    "rubbish", "horrendous", "appalling", "outrageous", "maddening", "exasperat", "anxious",
    "pain", "painful", "grim", "scary", "worrying", "unnerv", "sinking", "impatient",
    "inconvenient", "inconvenienc", "a lot to deal with", "hard going", "last straw", "shame",
    "stressed", "hurtful", "dismay", "aggriev", "resent", "bitter", "sting", "wound",
)
# ways of validating a feeling without naming it
VALIDATIONS: Final = (
    "no wonder", "of course you", "anyone would", "anybody would", "i would be", "i would feel",
    "i would have been", "i would have felt", "you have every right", "you are right to be",
    "you had every right", "i can only imagine", "i can imagine how", "i can imagine what",
    "i can see why you", "i can see how", "i can hear how", "i can hear that", "i can hear this",
    "i can tell how", "i can tell this", "i can tell that", "that must have been", "that must be",
    "it must have been", "it must be", "must have been really", "must be really", "that sounds like a lot",
    "understandable that you", "makes sense that you", "completely understandable",
    "totally understandable", "perfectly understandable", "that is not what you", "not what you deserve",
    "you deserved better", "you deserve better", "that should not have happened",
    "that is not okay", "that is not good enough", "i would feel the same", "i would feel exactly",
    "that is a lot", "what a", "how awful", "how frustrating", "how upsetting",
)
# frames that talk a feeling away instead of acknowledging it
FEELING_DISMISSALS: Final = (
    "no need to be", "no need to get", "do not be", "do not get", "calm down", "not that bad",
    "should not be", "overreact", "no reason to be", "do not worry", "not worth getting",
    "any inconvenience", "the inconvenience", "for the inconvenience", "inconvenience caused",
    "any frustration", "this may have caused", "that may have caused", "might have caused",
    "may have been caused", "if you were",
)

DISMISSALS: Final = (
    r"\b(things?|delays?|it|that|this|mistakes?|these|stuff|problems?|issues?|errors?|accidents?|"
    r"faults?|outages?|breakdowns?|cancellations?|glitch(es)?|bills?|prices?|changes?|crashes)"
    r" (do |can |just |sometimes |will |does |often )*happen(s)?\b",
    r"\bnothing (we|i|anyone|anybody) (can|could) do\b", r"\bnot (much|a lot|anything) (we|i) can do\b",
    r"\b(we|i) can not do anything\b", r"\b(that|it|this) is (just )?(how|the way) (it|things|they|"
    r"couriers|airlines|it works|the system|we|the industry)\b",
    r"\bnot (our|my|the company's) (fault|problem|responsibility|concern)\b",
    r"\bout of (our|my) (hands|control)\b", r"\bbeyond (our|my) control\b",
    r"\bnot (always |really |entirely )?(in|within|under) (our|my) control\b",
    r"\b(was|is|were) (not|nothing) (anything |much )?(we|they|i|anyone|reception|the \w+) (can|could) "
    r"(do|have done)\b", r"\bnot anything (we|they|i|anyone|reception|the \w+) (can|could) do\b",
    r"\b(may|might|could) not (be|have been) (the same|as bad|that bad|our)\b",
    r"\b(do|does|can|will) sometimes\b", r"\b(probably|likely|most likely) (just|only)\b",
    r"\b(bills?|prices?|parcels?|deliveries|flights?|engineers?|repairs?|faults?|these) "
    r"(often|usually|always|normally|tend to) (jump|go up|rise|happen|get|are|come|run)\b",
    r"\byou (should|could|ought to|need to|needed to) have\b", r"\byou should (have )?(read|check|know)\b",
    r"\b(our|the|company|standard) polic(y|ies)\b",
    r"\bcalm down\b", r"\bno need to (be|get)\b", r"\bnot (that|a|such a) big (a )?deal\b",
    r"\bat least\b", r"\bcould (be|have been) worse\b", r"\bit is (only|just) (a|one|two|three|a few)\b",
    r"\b(only|just) (a|one|two|three|a few|a couple of) (days?|hours?|minutes?|weeks?|pounds?)\b",
    r"\bnobody else (has|have|is) (complained|had)\b", r"\b(happens|happened) to everyone\b",
    r"\bbusy (time|times|period|season)\b",
    r"\b(is|are|that is|it is) (completely |perfectly |quite )?normal\b",
    r"\bterms and conditions\b", r"\bcan not be helped\b", r"\bthat is life\b",
    r"\bthese things\b", r"\bwhat (do|did) you expect\b", r"\bthere is no point\b",
    r"\b(it|that) is (just|only) (the|a) (weather|computer|system)\b",
    r"\bwe are not responsible\b", r"\bnot (really )?(that )?unusual\b", r"\bhappens all the time\b",
    r"\bplenty of (other|people)\b", r"\b(you|your) (must|might) have\b (missed|got)",
)

# openings that mark a restatement; a bonus in the explanation, never required
REFLECTIONS: Final = (
    "so you", "so what i am hearing", "what i am hearing", "sounds like", "it sounds as if",
    "if i understand", "if i have got this right", "if i have understood", "let me make sure",
    "just to check", "you are saying", "you are telling me", "what you are saying",
    "so it is", "so the", "so your", "so after", "so even", "so despite", "let me check",
    "to make sure i have", "so basically", "in other words", "correct me if",
)
