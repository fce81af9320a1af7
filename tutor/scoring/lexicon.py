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
    ("mother", "mum", "mom", "mam", "mummy", "mommy"),
    ("father", "dad", "daddy", "papa"),
    ("pay", "paid", "payment", "charge", "cost", "fee", "price", "money", "extra", "dollar", "pound",
     "premium", "fork out", "shell out"),
    ("express", "fast", "quick", "next day", "priority", "rush", "speedy", "faster", "expedite",
     "guarantee", "guaranteed"),
    ("tell", "told", "warn", "warning", "inform", "notify", "notification", "let know", "heads up",
     "update", "contact", "call", "phone", "message", "email", "text", "hear", "explain",
     "communicate", "word", "keep in the loop", "in the dark", "say", "mention", "flag"),
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
     "down", "outage", "glitch", "smash", "shatter", "destroy", "wreck", "out of order", "out of action",
     "out of service"),
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
     "end", "ended", "quit", "terminate", "close", "closed", "stop", "stopped", "shut", "shut down",
     "resign", "hand in notice"),
    ("rebook", "new flight", "alternative", "another flight", "next flight", "option",
     "replacement", "seat"),
    ("wedding", "event", "ceremony", "occasion"),
    ("engineer", "technician", "installer"),
    ("internet", "broadband", "wifi", "connection", "online", "line"),
    ("work", "job", "working from home", "meeting", "meetings", "office"),
    ("time off", "day off", "holiday", "take a day", "unpaid", "wages", "lost pay"),
    ("test", "results", "result", "scan", "blood", "doctor", "clinic", "surgery", "hospital"),
    ("card", "terminal", "machine", "reader", "till", "checkout"),
    ("customer", "client", "people", "shopper", "queue"),
    # a loss, whatever was lost: takings, shows taken off, an application with no record of it
    ("lose", "lost", "losing", "turn away", "walk out", "sales", "business", "takings",
     "revenue", "income", "remove", "take off", "taken off", "gone", "disappear", "pull", "drop",
     "lose access", "go missing", "gone missing", "vanish", "mislaid", "mislay",
     "misplace", "no record", "wipe", "wiped", "wipe out", "erase", "delete", "swallow",
     "not be found", "not find", "not found", "not be traced", "not trace"),
    # refused: a claim, a refund, a request turned down
    ("refuse", "reject", "turn down", "decline", "deny", "knock back", "bin", "throw out", "fob off",
     "brush off", "wave off"),
    ("steal", "stolen", "rob", "theft", "thief", "nick", "pinch", "burgle", "break in", "broken into"),
    # having to do it all again: "start again from scratch", "back to square one"
    ("start again", "start over", "from scratch", "square one", "begin again", "all over again",
     "back to the start", "redo", "resubmit", "reapply", "back of the queue", "start from scratch"),
    ("shop", "store", "cafe", "business", "restaurant"),
    ("stream", "streaming", "show", "shows", "film", "films", "movie", "movies", "series",
     "content", "watch", "catalogue", "library", "subscription", "channel"),
    ("price rise", "price increase", "put up", "went up", "raise", "more expensive"),
    ("hour", "hours", "minute", "minutes", "all day", "morning", "afternoon"),
    ("afford", "manage", "cover", "budget", "can not pay", "too much"),
    ("callback", "call back", "ring back", "get back to", "phone back", "hear back", "chase"),
    ("refund", "money back", "compensation", "credit", "reimburse"),
    ("medication", "medicine", "tablet", "pill", "dose", "meds", "prescription", "jab", "injection",
     "drops"),
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
    # words the suffix rules would fold into another word ("note" -> "not", "care" -> "car")
    "note": "note", "notes": "note", "noted": "note", "noting": "note", "care": "care", "cares": "care",
    "cared": "care", "caring": "care", "plane": "plane", "planes": "plane",
    # nouns the suffix rules would fold into a verb of another idea ("waiter" -> "wait", "letter" -> "let")
    "used": "use", "waiter": "waiter", "waiters": "waiter", "waitress": "waiter", "letter": "letter",
    "letters": "letter",
}

PERSON_SWAP: Final = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "am": "are",
    "we": "you", "us": "you", "our": "your", "ours": "yours",
}

# person and tense folded away when looking for echoes (see text.person_neutral)
PERSON_NEUTRAL: Final = {
    "i": "you", "me": "you", "we": "you", "us": "you", "my": "your", "our": "your", "mine": "yours",
    "ours": "yours", "myself": "yourself", "ourselves": "yourself", "yourselves": "yourself",
    "am": "is", "are": "is", "was": "is", "were": "is", "be": "is", "been": "is",
    "has": "have", "had": "have", "does": "do", "did": "do",
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
    "appreciate", "realise", "realize", "matter", "show", "like", "where", "than", "as",
    "nor", "neither", "here", "if", "whether", "why", "how", "when", "asking", "idea", "out",
    "learn", "discuss", "decide", "check", "ask", "asked", "remember", "forget", "notice",
    "noticed", "describe", "understood", "heard", "saw", "seen", "knew", "told", "said",
    "be", "was", "were", "are", "on", "at", "from", "by", "for", "to", "with", "care", "shows",
    "explains", "explained", "regardless", "matters", "mind", "doubt", "unsure", "unclear",
    "clear", "obvious", "depends", "depending", "worried", "worry", "concerned", "confused",
    "interested", "curious"})
# "it does that after an update", "they do this sometimes": a habit, not a question
HABIT_FOLLOWERS: Final = frozenset({"after", "when", "sometimes", "all", "a", "every", "if", "again",
                                    "occasionally", "now", "from", "with", "on", "at", "in", "too"})
# "sorry about that", "before we do that": "that" ends the phrase, so a question may follow it
PHRASE_BEFORE_THAT: Final = frozenset({"about", "for", "all", "with", "like", "oh", "sorry", "hear",
                                       "of", "by", "at", "to", "do", "did", "done", "fix", "sort", "check"})
# fillers a question may follow ("oh no what happened", "right so how can I help",
# "sorry about that how has it affected you"); they never block one
FILLERS: Final = frozenset({
    "oh", "no", "right", "so", "okay", "ok", "well", "and", "sorry", "that", "gosh", "dear", "ah",
    "yes", "yeah", "alright", "now", "then", "but", "hmm", "um", "uh", "er", "see", "look",
    "listen", "thanks", "great", "wow", "god",
    # interjections that acknowledge before the question ("gotcha, okay, so talk me through it")
    "gotcha", "cheers", "lovely", "brilliant", "righto", "alrighty"})

FACT_WORDS: Final = frozenset({
    "number", "postcode", "zip", "code", "date", "time", "address", "name", "email", "reference",
    "account", "phone", "model", "serial", "amount", "price", "day", "size", "colour", "color",
    "booking", "ticket", "surname", "birth", "flight", "order", "id", "pin", "card",
    "password", "total", "invoice", "registration", "reg", "licence", "license", "plate", "policy",
    "membership", "application", "tracking", "receipt"})
# "would you like to tell me more", "can you talk me through it": yes/no in form only
INVITATIONS: Final = (
    "tell me more", "tell me about", "tell me what", "tell me how", "tell me a bit", "tell me a little",
    "talk me through", "walk me through", "take me through", "work me through", "run me through",
    # "through" as a recogniser often writes it
    "talk me though", "walk me though", "take me though", "run me though", "talk me thru", "walk me thru",
    "say more", "hear more",
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

# feelings a trainee might name. An entry ending in "-" is a stem, matched as the start of a
# word ("worr-" finds "worried" and "worrying"); any other entry is matched as whole words,
# so "mad" does not find "made" nor "hard" "hardest part"
FEELINGS: Final = (
    "frustrat-", "annoy-", "upset-", "disappoint-", "stress-", "worr-", "anxi-", "awful",
    "terrible", "horrible", "horrid", "dreadful",
    "angry", "anger-", "furious", "fury", "infuriat-", "livid", "mad", "cross", "irritat-",
    "aggravat-", "scare-", "scared", "scary", "scari-", "frighten-", "fright", "afraid", "fear",
    "fearful", "nervous", "panic-", "embarrass-", "humiliat-", "hurt", "hurts", "hurting",
    "let down", "fed up", "sad", "sadden-", "gutted", "devastat-", "heartbreak-", "heartbroken",
    "miserable", "unfair-", "overwhelm-", "helpless", "powerless", "ignored", "insult-", "shock-",
    "nightmare-", "difficult-", "hard", "tough", "rough", "stressful", "confus-", "uncomfortable",
    "lonely", "isolat-", "ordeal", "unsettl-", "distress-", "concern-", "bother-", "hassle",
    "fuming", "hassles", "sick of", "tired of", "worn out", "at the end of", "disheart-", "demoraliz-",
    "demoralis-", "discourag-", "alarmed", "alarming", "feel bad", "felt bad", "feel awful", "felt awful",
    "felt terrible", "crushed", "unacceptable", "not good enough", "not okay", "not ok",
    "not fair", "rubbish", "horrendous", "appalling", "outrageous", "maddening", "exasperat-",
    "pain", "painful", "grim", "unnerv-", "sinking", "impatien-", "inconvenient", "inconvenienc-",
    "a lot to deal with", "hard going", "last straw", "shame", "hurtful", "dismay-", "aggriev-",
    "resent-", "bitter", "sting", "stings", "wound-", "exhaust-", "tiring", "tired", "draining",
    "shattered", "drained", "knackered", "beside yourself", "at your wits", "on edge", "rattled",
    "shaken", "shaky", "shaking", "sick to death", "frantic", "desperate",
    # the rest of a thesaurus of feelings, and the idioms people use for them (British,
    # American and plain), so a trainee need not use the textbook word; not the words for how
    # the customer was treated ("left in limbo", "fobbed off"), which restate the situation
    "gutting", "galling", "distraught", "mortifi-", "mortifying", "not impressed", "dread-", "peeved",
    "miffed", "vexed", "irked",
    "narked", "disgust-", "appall-", "outrag-", "incens-", "seething", "raging", "hopeless", "uneasy",
    "apprehensive", "petrified", "terrified", "terrifying", "horrified", "traumati-", "nerve racking",
    "nerve wracking", "heartbreaking", "heart breaking", "break your heart", "break anyone",
    "broke your heart", "cheesed off", "hacked off", "brassed off", "peed off", "ticked off",
    "teed off", "browned off", "wound up", "up in arms", "sick and tired", "had enough",
    "had it up to here", "worried sick", "sick with worry", "out of your mind", "in pieces", "in bits",
    "in a state", "climbing the walls", "tearing your hair", "pulling your hair",
    "at the end of your tether", "end of your rope", "at your wits end", "on tenterhooks",
    "on pins and needles", "heart in your mouth", "kick in the teeth", "slap in the face",
    "salt in the wound", "last thing you need", "last thing you needed", "a real blow", "a shock",
    "a worry", "a pain", "a headache", "a struggle", "stressed out", "freaked out", "freak out",
    "spooked", "shook up", "shaken up", "bummer", "a disgrace", "disgraceful",
    "shocking", "unbearable", "intolerable", "a mess", "weigh on", "weighing on", "upsetting", "gloomy",
    "down in the dumps", "fraught", "jittery", "edgy", "on the edge", "panicky", "uptight", "grumpy",
    # grief and despair, which a thesaurus of anger and worry misses
    "misery", "grief", "griev-", "despair-", "anguish-", "agony", "agonis-", "agoniz-", "heartache",
    "betrayed", "flustered", "deflated", "crestfallen", "disillusion-", "indignant",
    "dejected", "despondent", "downhearted", "glum", "worn down", "run ragged", "at breaking point",
    # being wronged, as it feels to the one wronged
    "cheated", "intimidat-", "ripped off", "short changed", "betrayal",
    "in tears", "to tears", "tearful",
    # and the idioms and spellings a trainee reaches for ("you're heart broken", "that must have
    # turned your stomach", "enough to drive anyone round the bend")
    "heart broken", "turned your stomach", "turn your stomach", "turns your stomach", "round the bend",
    "up the wall", "round the twist", "guilty", "guilt",
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
    # a standard the customer was let down against ("that's not something you should have to deal
    # with", "nobody should have to put up with that") validates without a feeling word
    "should not have to", "should not have had to", "should never have to", "no one should have to",
    "nobody should have to", "anyone should have to", "not something you should",
    "not what you should", "not something anyone should", "not what anyone should",
    "anybody should have to", "no one should",
    "nobody should", "i do not blame you", "can not blame you", "could not blame you",
    "you have every reason", "you are entitled to feel", "you have been through",
    "what you have been through", "i would be the same", "i would have been the same",
    "i would be exactly the same", "i would be just the same", "anyone would be", "anybody would be",
    "anyone in your", "anybody in your", "in your shoes", "in your position", "in your place",
    # a reaction nobody would choose: "nobody likes being made to feel like a mug"
    "nobody likes being", "no one likes being", "nobody wants to be", "no one wants to be",
    # the reaction called natural: "I'm not surprised you ...", "no surprise you're angry"
    "not surprised you", "not surprised that you", "no surprise you", "no surprise that you",
    "not surprising you", "not surprising that you", "hardly surprising", "small wonder",
    "must feel like", "must have felt like",
    # the reaction itself called fair: "that's a completely fair reaction", "a reasonable way to feel"
    "fair reaction", "reasonable reaction", "natural reaction", "normal reaction",
    "understandable reaction", "valid reaction", "way to feel", "fair to feel", "reasonable to feel",
    "right to feel",
)
# frames that talk a feeling away instead of acknowledging it
FEELING_DISMISSALS: Final = (
    "no need to be", "no need to get", "do not be", "do not get", "calm down", "not that bad",
    "should not be", "overreact", "no reason to be", "do not worry", "not worth getting",
    "any inconvenience", "the inconvenience", "for the inconvenience", "inconvenience caused",
    "any frustration", "this may have caused", "that may have caused", "might have caused",
    "may have been caused", "if you were", "try not to", "no need to", "not to worry",
    "nothing to worry", "there is no need", "do not stress", "do not panic", "nothing to stress",
    "nothing to panic", "nothing to be", "nothing to get", "any distress", "any upset",
)

DISMISSALS: Final = (
    r"\b(things?|delays?|it|that|this|mistakes?|these|stuff|problems?|issues?|errors?|accidents?|"
    r"faults?|outages?|breakdowns?|cancellations?|glitch(es)?|bills?|prices?|changes?|crashes)"
    r" (do |can |just |sometimes |will |does |often )*happen(s)?\b",
    r"\bnothing (we|i|anyone|anybody) (can|could) do\b", r"\bnot (much|a lot|anything) (we|i) can do\b",
    r"\b(we|i) can not do anything\b", r"\b(that|it|this) is (just )?(how|the way) (it|things|they|"
    r"couriers|airlines|it works|the system|we|the industry)\b",
    r"\bnot (really )?(our|my|the company's) (fault|problem|responsibility|concern)\b",
    r"\bnot (really )?(something|anything) (that )?(we|i) (can|could) (control|help|change|do anything)\b",
    r"\bnot (really )?(something|anything) (that )?(we|i) (are|am|were|was) (responsible|to blame)\b",
    r"\bout of (our|my) (hands|control)\b", r"\bbeyond (our|my) control\b",
    r"\bnot (always |really |entirely )?(in|within|under) (our|my) control\b",
    r"\b(was|is|were) (not|nothing) (anything |much )?(we|they|i|anyone|reception|the \w+) (can|could) "
    r"(do|have done)\b", r"\bnot anything (we|they|i|anyone|reception|the \w+) (can|could) do\b",
    r"\b(may|might|could) not (be|have been) (the same|as bad|that bad|our)\b",
    r"\b(do|does|can|will) sometimes\b", r"\b(probably|likely|most likely) (just|only)\b",
    r"\b(bills?|prices?|parcels?|deliveries|flights?|engineers?|repairs?|faults?|these) "
    r"(often|usually|always|normally|tend to) (jump|go up|rise|happen|get|are|come|run)\b",
    r"\byou (really |honestly |probably |just |actually )?(should|could|ought to|need to|needed to) "
    r"(really |honestly |probably |just |actually )?have\b(?! to\b| had to\b"
    # "you should have been told", "you could have been killed", "you could have had a nasty crash":
    # what the company owed the customer, or the harm it risked, not what they should have done
    r"| been (\w+ed|told|given|sent|hurt|killed|kept|shown|seen|left|stuck)\b"
    r"| had an? (serious|nasty|bad|terrible|awful)\b)",
    r"\byou should (have )?(read|check|know)\b",
    # a policy as a rule ("our returns policy", "the policy says"), not the thing insured ("before you
    # took out the policy")
    r"\b(our|company|standard)( \w+)? polic(y|ies)\b",
    r"\bthe( \w+)? polic(y|ies) (is|are|says|said|states|does|do|only|means|clearly|covers?|excludes?)\b",
    r"\bcalm down\b", r"\bno need to (be|get)\b", r"\bnot (that|a|such a) big (a )?deal\b",
    r"\bat least\b", r"\bcould (be|have been) worse\b", r"\bit is (only|just) (a|one|two|three|a few)\b",
    r"\b(only|just) (a|one|two|three|a few|a couple of) (days?|hours?|minutes?|weeks?|pounds?)\b(?! old)",
    r"\bnobody else (has|have|is) (complained|had)\b", r"\b(happens|happened) to everyone\b",
    # other customers held up against this one ("most of our students prefer it online"), the
    # odd failure called inevitable ("the odd one slips through"), a fault said to have come anyway
    r"\b(most|many|lots|plenty|the majority) (of )?(our |the |other )?(customers|people|students|clients|"
    r"users|members|guests|patients|passengers|families|parents) (prefer|like|love|are happy|do not mind|"
    r"manage|find|are fine|seem)\b",
    r"\b(the odd|one or two|the occasional) \w+ (does |do |will |can )?(slip|slips|get|gets|fall|falls) "
    r"(through|missed|lost|forgotten)\b", r"\bslip(s|ped)? through the net\b",
    r"\bwould have \w+( \w+){0,6} anyway\b",
    # the fault put on the customer or the rules: "with respect, that should go on the form", "the
    # terms do say", "if you had signed the form we would have had it down", "someone on your side
    # should have checked", "that is just how streaming works", "the driver would not have known"
    r"\bwith (all )?(due )?respect\b",
    r"\bthe (terms|rules|contract|small print|conditions|t and cs)( and conditions)? (do |does |clearly |"
    r"actually )?(say|says|state|states|allow|allows|mean|means|cover|covers)\b",
    r"\b(that|it|this) is (just |simply |really )?(how|the way) (\w+ ){1,2}(works?|goes|operates?)\b",
    r"\bif you (had|would)( have)? (\w+ ){1,6}(we|it|they|this|that) (would|could|might)( not)? have\b",
    r"\b(someone|somebody|anyone|anybody) (on|at|from) your (side|end) (should|could|ought to)( not)? have\b",
    r"\b(we|he|she|they|staff|the \w+) (would|could|did) (not|never) (have )?(known|know|noticed|notice|"
    r"realised|realized|spotted|seen)\b",
    r"\bwould have had no (reason|way|means|cause) to\b",
    r"\bbusy (time|times|period|season)\b",
    r"\b(is|are|that is|it is) (actually |really |completely |perfectly |quite |pretty |fairly |totally "
    r"|entirely |just |all )?normal\b",
    r"\bterms and conditions\b", r"\bcan not be helped\b", r"\bthat is life\b",
    # the rules' letter held against the customer: "so technically they would not count", "it is
    # technically his property"; the slip called natural; the risk put on them
    r"\bso technically\b", r"\b(it|that|this|they|he|she) (is|are|was|were|would|would not) technically\b",
    r"\btechnically (it|that|this|they|we|he|she|the \w+) (is|are|was|were|would|does|do|did|can|count)\b",
    r"\b(easy|common|understandable|honest|simple) (mistake|slip|error)s? (for (\w+ ){1,3})?to make\b",
    r"\b(an|such an) (easy|understandable|honest) (mistake|slip|error)\b",
    r"\bat (your|their|his|her) own risk\b",
    r"\bthese things\b", r"\bwhat (do|did) you expect\b", r"\bthere is no point\b",
    r"\b(it|that) is (just|only) (the|a) (weather|computer|system)\b",
    r"\bwe are not responsible\b", r"\bnot (really )?(that )?unusual\b", r"\bhappens all the time\b",
    r"\bplenty of (other|people)\b", r"\b(you|your) (must|might) have\b (missed|got)",
    # the customer's worry talked away ("don't worry, we'll sort it", "I wouldn't worry about the
    # damp", "no need to stress"): the concern is waved off, not reflected, whatever follows
    r"\b(do not|try not to|no need to|there is no need to|nothing to|not to|(i|we) would not|"
    r"no reason to|you do not need to|you need not) (be |get |feel )?(so |too |at all )?"
    r"(worr\w*|stress\w*|panic\w*|upset|scared|frightened|concerned|anxious|fret\w*|fuss\w*)\b",
    r"\b(calm down|overreact\w*)\b",
    # the problem made small: "forty minutes isn't that long", "in the grand scheme of things", "if
    # it was anything serious they'd have called", "it may just need to settle in"
    r"\b(is|was|are|were) not (actually |really |even |exactly )?(that|so|all that|too|overly) "
    r"(long|bad|much|big|serious|expensive|high|unusual)\b",
    r"\bin the (grand )?scheme of things\b",
    r"\bif (it|there) (was|were|is|had been) (anything|something) (serious|wrong|urgent|important)\b",
    r"\b(it|they|this|that|the \w+) (may|might|could) (just|simply|only) (need|take|settle|sort)\b",
    # the problem put inside the rules ("still within our repair window", "only guaranteed for
    # items in stock"), called common ("it's really common to"), or handed to someone else
    # ("that's between you and them", "we didn't have a choice")
    r"\bwithin (our|the) (normal |usual |standard |agreed )?(\w+ )?(window|timescales?|timeframe|time frame|"
    r"guidelines|terms|policy|target|limits?)\b",
    r"\bonly (guaranteed|valid|covered|included) (for|on|if|when|up to|within)\b",
    r"\b(is|are|were|was) (only|just) (an )?(estimates?|a guide|guidance|approximate|indicative)\b",
    r"\b(a|is a|it is a) (well )?known (thing|issue|problem|fault)\b",
    r"\b(is|are|it is|that is) (actually |really |very |quite |pretty |fairly |extremely |so |perfectly )*"
    r"(common|usual|typical|standard)\b",
    r"\bbetween you and (them|the \w+|your \w+|him|her)\b",
    r"\b(we|i|they) (did not|do not|had no|have no|really had no|did not really) (really )?(have )?"
    r"(a |any |much |the )?choice\b",
    r"\b(need|needs|takes?) (some |a bit of |a little )?time to (adjust|settle|get used)\b",
    r"\bno need to (be|get|feel) (?!there\b|here\b|in\b|at\b|on\b|home\b)\w+",
    r"\b(to|so) be (fair|honest)\b(?! with you)",  # "so be fair": "to be fair" as often heard
    # a rule that binds someone else, told as the answer: "the seller is legally free to accept a
    # better offer", "staff only have to phone if", "results are only phoned through when",
    # "first come, first served"
    r"\b(?!you\b)\w+ (is|are|was|were) (legally |contractually |perfectly |fully )?(free|entitled|"
    r"permitted|obliged|required|allowed|trained) (never |not )?to\b",
    r"\b(?!you\b|i\b|we\b)\w+ only (have|has|need|needs|had) to\b",
    r"\b(?!you\b)\w+ (is|are) only (\w+ ){1,2}(when|if|once|unless|where)\b",
    r"\bfirst come,? first served\b",
    r"\b(?!you\b)\w+ only (kicks? in|apply|applies|starts?|takes? effect|counts?|covers?|runs?|opens?|"
    r"operates?)\b",
    r"\bour (\w+ )?\w+ (is|are) not (allowed|permitted) to\b",
    r"\b(rules?|polic(y|ies)|terms|conditions) (is|are|was|were) (clearly |all )?(in|on|set out|written|"
    r"stated|explained)\b",
    # a cause guessed at to account for it: "so it may well be that he refused them"
    r"\b(it|that) (may|might|could) (well )?be that\b",
    r"\b(that is|it is|that is just|it is just) the nature of\b",
)

# openings that mark a restatement; a bonus in the explanation, never required
REFLECTIONS: Final = (
    "so you", "so what i am hearing", "what i am hearing", "sounds like", "it sounds as if",
    "if i understand", "if i have got this right", "if i have this right", "if i have understood",
    "let me make sure",
    "just to check", "you are saying", "you are telling me", "what you are saying",
    "so it is", "so the", "so your", "so after", "so even", "so despite", "let me check",
    "to make sure i have", "so basically", "in other words", "correct me if",
)

# a statement asked with a question mark under one of these reflects, checking it heard right
CHECK_FRAMES: Final = (
    "just to check", "correct me if", "if i understand", "if i have understood", "if i have got this right",
    "if i have got that right", "if i have this right", "it sounds like", "sounds like", "i could be wrong",
    "i may be wrong", "i might be wrong", "i may have", "i might have", "let me make sure", "let me check",
    "to make sure i have", "if i am hearing", "am i right", "have i got", "did i get",
)

# --- pieces of a reply (complaint.py) ---------------------------------------------------------
# a statement is cut before these, so an explanation or an offer is judged apart from the rest
PIECE_BREAKS: Final = frozenset({"but", "because", "cause", "although", "though", "however",
                                 "unfortunately", "anyway"})
# "and"/"so" followed by one of these starts a new piece ("... and I can refund it")
SUBJECT_STARTS: Final = frozenset({"i", "we", "you", "they", "it", "there", "that", "this", "let",
                                   "he", "she", "the", "your", "our", "nobody"})
# promises: what the trainee will do, which restates nothing ("I can refund the fee")
OFFER_OPENERS: Final = (
    "i can", "i could", "i will", "i would", "we can", "we could", "we will", "we would",
    "let me", "let us", "i am going to", "we are going to", "i am happy to", "i would be happy to",
    "what i can do", "what we can do", "i can offer", "we can offer",
    # "what I can do is ..." cut short, or "but I can" as a recogniser often hears it
    "what i can", "what we can",
    # "what I'll do is raise a request", "what we're going to do is": the same promise as a cleft
    "what i will do", "what we will do", "what i will", "what we will", "what i am going to do",
    "what we are going to do", "what i would suggest", "what i would like to do", "what i need to do",
    "what i will need", "what i would recommend",
    "i shall", "i want to", "i need to", "i just need", "i may", "i might", "we may", "i must",
    "please", "you will get", "you will receive", "you will be", "i promise", "i suggest",
    "i recommend", "i am sending", "i am booking", "i am putting", "i am adding", "i am arranging",
)
# after an offer opener these make a feeling or an understanding, not a promise
NOT_OFFER_VERBS: Final = frozenset({
    "see", "imagine", "hear", "tell", "understand", "only", "appreciate", "feel", "completely",
    "totally", "really", "so", "be", "been", "just", "not", "never", "also", "sorry", "afraid",
    "to", "very", "got", "heard", "understood", "gathered", "noted", "imagined", "sense", "picture",
    "absolutely", "truly", "genuinely", "definitely", "quite", "such", "a", "an", "no", "had",
    "felt", "hate", "guess", "bet", "think", "gather", "take", "like", "love", "feeling",
    "frustrated", "upset", "angry", "annoyed", "sad", "worried", "disappointed", "gutted", "sure",
})
# a piece with one of these (and not about "you") explains the problem as something general
GENERALISERS: Final = (
    "for everyone", "for everybody", "everyone is", "everyone has", "everybody is",
    "everybody has", "all our customers", "all customers", "every customer", "other customers",
    "lots of customers", "a lot of customers", "many customers", "across the board",
    "the same for everyone", "nationwide", "this time of year", "time of the year",
    "all over the country", "the whole industry", "industry wide", "it is the same everywhere",
    "everywhere", "same for all", "lots of people", "a lot of people", "many people",
    "other people", "most people", "you are not the only", "not the only one",
    "not just you", "not only you", "not just your", "not only your", "not just yours", "widespread",
    "a national",
)
# ... or as something that just happens: a habit of the product or the world
HABITS: Final = (
    "does that", "does this", "do that", "do this", "usually", "normally", "always", "only ever",
    "typically", "generally",
    "tends to", "tend to", "often", "always happens", "can happen", "will happen", "it happens",
    "to be expected", "bound to", "is common", "is quite common", "is very common", "is standard",
    "is normal", "is usual", "is expected", "can take", "it takes time", "these things",
    "high demand", "very busy", "really busy", "so busy", "extremely busy", "short staffed",
    "understaffed", "short of staff", "staff shortages", "staff shortage", "high volume",
    "volume of", "backlog", "the weather", "the strike", "strikes", "all the time", "sometimes",
    "from time to time", "now and then", "occasionally", "a lot of the time", "most of the time",
    "all it is", "would explain", "that explains", "explains it", "probably", "most likely",
    "worked out over", "is calculated", "are calculated", "every other", "only covers",
    "in the terms", "the terms you", "in the contract", "the small print", "you agreed to",
    "you signed up to", "that is how", "how it works", "the way it works", "system does",
)
# a third party that "can drop" or "may take" describes what happens in general
HABIT_PATTERNS: Final = (
    r"\b(it|they|these|those|this|that|the \w+|\w+s) (can|may|might|will) (sometimes |often |easily )?"
    r"(take|drop|happen|get|go|fail|lose|slip|run|fall|stop|crash|glitch|reset|freeze|lag)\b",
    # "tests get cancelled when examiners are off": a generic plural, passive, and its condition
    r"\b\w+s (get|are|can get|do get) \w+ed( \w+){0,3} (when|if|whenever|because)\b",
)
# a wish put to the customer; wrong unless the customer voiced one
WISH_FRAMES: Final = (
    "so you want", "you want", "so you would like", "you would like", "so you are looking to",
    "you are looking to", "so you need to", "you need to", "so you are hoping", "you are hoping",
    "so you wish", "you wish", "so you are asking", "you are asking", "so you would prefer",
    "you would prefer", "so you would rather", "you would rather", "so you are after", "you are after",
    "so you wanted to", "so you are wanting",
    # "so you'd like" as recognised with the "'d" lost
    "so you like to", "so you like the", "so you like your", "so you like a", "so you like our",
)
WISH_WORDS: Final = frozenset({"want", "wanted", "need", "needs", "expect", "asking", "hoping",
                               "hope", "demand", "prefer", "wish", "refund", "cancel", "compensation"})
# cause markers: an explanation when what follows (or precedes "that's why") is new content
CAUSES: Final = (
    "because of", "because", "cause", "due to", "owing to", "as a result of", "caused by",
    "the reason", "that is why", "which is why", "this is why", "that is because", "since the", "thanks to",
    "the problem is", "the thing is", "what happened was", "what happens is", "what happened is",
    "which is what pushed", "which is what caused", "which is what made", "which is what led to",
    "that will be why", "that would be why", "that must be why", "which would be why",
)
# openings of a piece that claims to say what the customer said or wants
REFLECTIVE_FRAMES: Final = (
    "so you", "you would like", "you want", "you wanted", "you are looking", "you need",
    "you are hoping", "you would prefer", "you are asking", "you are saying", "you are telling",
    "so your", "so it is", "what you are saying", "it sounds like you", "sounds like you",
    "so what i am hearing", "what i am hearing", "if i understand", "so basically you",
    "if i have this right", "if i have got this right", "if i have understood",
    "you are after", "you wish", "you hope", "if i am hearing", "so if i am hearing", "so if i understand",
    "so if i have", "correct me if i am wrong",
)

# moves of a complaint, in the trainee's words or the customer's (person swapped): a
# restatement in other words still makes the same moves ("it let you down when it mattered")
MOVES: Final[dict[str, tuple[str, ...]]] = {
    "failed": (
        "not working", "not work", "stopped working", "broke", "broken", "failed", "fail", "faulty",
        "went wrong", "gone wrong", "let you down", "let down", "went nowhere", "got nowhere",
        "getting nowhere", "no better", "no closer", "same problem", "same fault", "same issue",
        "not fixed", "never fixed", "never came", "never arrived", "not arrive", "not come",
        "not turn up", "not show up", "no show", "stood up", "not happen", "never happened",
        "nothing happened", "fell through", "missed", "late", "delayed", "cancelled", "canceled",
        "rejected", "declined", "blocked", "refused", "wrong", "not get", "never got",
        "not received", "not what you", "nothing changed", "still not", "not sorted",
        "not resolved", "no use", "useless", "let you down", "came to nothing", "went wrong",
        "did not work", "does not work", "is not working", "no good", "stopped", "lost",
        "gone", "locked out", "cut off", "turned away", "after", "too late", "never",
        "nobody turned up", "no one turned up", "nobody showed", "no one showed", "nobody came",
        "no one came", "nobody showed up", "no one showed up",
        # done to the customer without their say, or not as asked
        "did not fix", "not fixed it", "nobody gave", "no one gave", "never given", "not given", "ignored",
        "instead of", "without your say", "without asking", "without permission", "behind your back",
        "fobbed off", "lied", "misled", "ripped off", "walked off with", "too much", "too small",
        "too tight", "too short", "wiped", "deleted", "robbed", "stolen", "pulled the",
    ),
    "effort": (
        "you paid", "you have paid", "you called", "you rang", "you phoned", "you emailed",
        "you waited", "you have waited", "you have been waiting", "you took", "you booked",
        "you ordered", "you did your part", "you did everything", "you did all", "you tried",
        "you followed", "you chased", "you asked", "you checked", "you planned", "you went",
        "you set", "you sent", "you spent", "you gave", "you have done", "you did what",
        "you kept", "you have tried", "you have called", "you have chased", "you have asked",
        "you stayed", "you have stayed", "you cancelled", "you made", "you have been chasing",
        "you have been calling", "you reported", "you told", "you have told", "you explained",
        "you arranged", "you organised", "you signed", "you have had to", "you had to",
    ),
    "uninformed": (
        "nobody told", "no one told", "nobody called", "no one called", "nobody rang", "no one rang",
        "no call", "no update", "no word", "not heard", "heard nothing", "no answer", "no reply",
        "no response", "no explanation", "in the dark", "ignored", "not told", "never told",
        "nobody let", "no one let", "without warning", "without telling", "no warning",
        "no notice", "nobody got back", "no one got back", "never got back", "left hanging",
        "not kept informed", "no contact", "without a word", "not a word", "no idea", "not know",
        "no one explained", "nobody explained", "without explanation", "no one warned",
        "nobody warned", "not warned", "no heads up", "not informed", "no information",
        "no one came back", "nobody came back", "no one is answering", "nobody is answering",
        "no one answers", "nobody answers", "no one picks up", "nobody picks up", "not answering",
    ),
    "again": (
        "again", "twice", "second time", "third time", "every time", "keeps", "kept", "over and over",
        "round in circles", "back to square one", "yet again", "multiple times", "several times",
        "three times", "four times", "each time", "every month", "every week", "every day",
        "once more", "repeatedly", "still", "same thing",
    ),
    "mattered": (
        "when it mattered", "mattered most", "the one time", "when you needed", "needed it",
        "important", "special", "big day", "birthday", "wedding", "anniversary", "holiday",
        "rely on", "relied on", "relying on", "depend on", "depended on", "counting on",
        "counted on", "for work", "your work", "your job", "your health", "your family", "your kids",
        "your children", "your daughter", "your son", "your business", "when it counted",
        "of all times", "of all days", "right when", "just when",
    ),
    "cost": (
        "paid", "pay", "paying", "money", "charged", "charge", "charges", "fee", "fees", "bill",
        "cost", "costs", "price", "out of pocket", "expensive", "extra", "debit", "debited",
        "payment", "payments", "refund", "overcharged", "pounds", "dollars", "euros",
    ),
    "waited": (
        "waited", "waiting", "wait", "weeks", "months", "ages", "so long", "all day", "too long",
        "took forever", "for ages", "hours", "on hold", "days",
    ),
}

# what can be wrong, in a complaint's words (stems): a reflection that names one the customer
# never reported ("so the present arrived damaged") is about another concern
PROBLEMS: Final = (
    "damag", "broken", "break", "stolen", "steal", "crash", "wrong", "missing", "lost", "faulty",
    "fault", "expir", "rude", "dirty", "leak", "cold", "noisy", "noise", "overcharg", "double charg",
    "duplicate", "scam", "fraud", "hack", "virus", "smell", "mould", "mold", "torn", "scratch",
    "dent", "crack", "spoil", "rotten", "stale", "use by", "size", "colour", "price", "tariff",
    "switch", "cheaper", "neighbour", "different time", "address", "closer",
)
