"""Reading a question about the runner's own training: what they ask about, and for when.

"what am I running on thursday?", "how long is my long run sunday", "my tempo pace?", "can I do
thursday's run on friday instead?", "should I run today, legs are dead": none of these is a
textbook question, and retrieval over the knowledge base answers them confidently and wrongly.
This module only reads (a pure function of text and dates); ``plan_answers`` answers from the
stored plan. A message that reads as a how-to question ("what should I eat before my long run
tomorrow?") is left to the knowledge base even when it names a day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from bot.core.when import Days, find_days, week_of
from bot.plans.model import Units

Subject = Literal[
    "workout", "long", "total", "race", "prediction", "paces", "should_run", "move", "overview",
    "kind", "first", "phase", "compare", "duration", "next", "biggest", "why",
]  # fmt: skip
Condition = Literal["missed", "tired", "sore", "pain", "ill", "busy", "weather", "none"]

_PERSONAL = re.compile(
    r"\b(?:my|me|i|i'm|im|i've|ive|i'll|mine|am i|do i|should i|can i|have i|we|our)\b"
)
_ASKING = re.compile(
    r"\?|^\s*(?:what|whats|what's|wat|wot|wht|how|hows|how's|when|whens|which|where|is|are|am"
    r"|do|does|did|should|shall|can|could|will|would|any|anything|tell|show|remind|give|list)\b"
)
_PLANNED = re.compile(
    r"\b(?:run|runs|running|workout|workouts|wo|session|sessions|training|train|plan|planned"
    r"|schedule|scheduled|doing|on|up|due|rest|off|easy|tempo|intervals?|reps|repetitions"
    r"|long|race|km|kms|miles?|mi|k)\b"
)
# How-to topics: a day named in such a question is context, not what is asked.
_HOW_TO = re.compile(
    r"\b(?:eat|eating|ate|food|breakfast|dinner|lunch|snack|carb\w*|gels?|fuel\w*|drink\w*|water"
    r"|hydrat\w*|caffeine|coffee|alcohol|beer|wear|wearing|shoes?|clothes|clothing|kit|gear|socks"
    r"|stretch\w*|foam|roll\w*|warm[\s-]?up|cool[\s-]?down|sleep\w*|music|headphones|breath\w*"
    r"|cadence|form|strength|gym|weights|yoga|massage|ice|bath|chafing|blisters?|sunscreen"
    r"|heart rate|hr|watch|gps|strava|treadmill|weigh\w*|diet|protein|supplement\w*|iron|pints?"
    r"|wine|booze|hangover|rubbing|chaf\w*|raw)\b"
    r"|^\W*(?:how (?:do|can|should|would|to) (?:i|you|we)?\b(?! (?:get|see|find) (?:my|the) plan))"
    r"|^\W*why (?:does|do|am|is it|are)\b|\bwhat (?:does|do) (?:that|this|it|\w+) mean\b"
    r"|\bhow do you (?:work out|calculate|decide|set|choose)\b"
)
_EXPLAIN = re.compile(
    r"\b(?:wh?at'?s?(?: is)? the (?:actual |whole )?(?:point|purpose|benefit|idea)"
    r"|what are (?:they|these|those) (?:for|good for)|what do (?:they|these|those) do"
    r"|why (?:do|should) (?:i|we|you) (?:do|run|bother))\b"
)
_ASKED_ANYWHERE = re.compile(
    r"\b(?:what|whats|what's|wat|which|when|whens|how|hows|how's|any)\b|\b(?:talk|walk|run|take)"
    r" me through\b|\btell me\b|\bfill me in\b|\bremind me\b|\bgo through\b|\bbreak (?:it )?down\b"
)

_LONG = re.compile(
    r"\blong[\s-]?(?:run|runs|one|'un|slow run|distance run)\b|\blsr\b|\blr\b|\blongest run\b"
)
_TOTAL = re.compile(
    r"\bhow (?:big|heavy|hard|tough|busy|long)\b|\b(?:mileage|milage|volume|total"
    r"|kms? (?:this|next|last) week|miles (?:this|next|last) week"
    r"|weekly (?:km|kms|distance|miles|total))\b|\bhow (?:much|many|far)\b"
)
_RACE_WHEN = re.compile(
    r"\b(?:when(?:'s| is)? (?:my|the) (?:race|marathon|half|10k|5k|big day)"
    r"|race (?:day|date)|raceday|date of (?:my|the) race"
    r"|how (?:long|many (?:weeks|days)) (?:until|till|til|to|before|left|are left|to go)\b"
    r"[^?.!]{0,20}\b(?:race|marathon|half|10k|5k|big day|go|left)\b"
    r"|(?:weeks?|days?) (?:left|to go|until|till|til|away|out)|countdown"
    r"|\bwhen'?s? (?:is )?(?:my|the) (?:race|marathon|half|10k|5k|big day)"
    r"|how (?:far|long) is (?:my|the) race"
    r"|what (?:day|date) is (?:my|the) race|when (?:do|am|will) i rac(?:e|ing)"
    r"|what day do i race"
    r"|how (?:long|many weeks) is (?:my|the) plan|what week (?:am i|is it|are we)"
    r"|which week (?:am i|is it|are we))"
)
_PHASE = re.compile(
    r"\b(?:taper\w*|cut ?back|down ?week|recovery week|deload|easy week|easier week|lighter week"
    r"|wind(?:ing)? down|eas(?:e|ing) off|how far (?:through|into|along|in) (?:the|my) plan"
    r"|how far along am i"
    r"|what phase"
    r"|which phase|peak (?:week|phase)|build (?:phase|week)|base (?:phase|week)|(?:phase|block)"
    r" am i|where am i in (?:my|the) plan)\b"
)
# A yes/no check on a day's run: "tmrw's run, easy right?", "10 miler on sat yeah?"
_CHECKING = re.compile(
    r"\b(?:right|yeah|yea|yep|correct|innit|isn't it|is it|ya|pls|please|again|then)\W*$|\?"
    r"|\bi forget\b|\bi (?:suppose|guess|think|assume|reckon|take it)\b|\bpresumably\b"
)
# Parts of a workout: asked with a day, they are about that day's session.
_COMPONENT = re.compile(
    r"\bwarm[\s-]?up\b|\bcool[\s-]?down\b|\breps?\b|\brepeats?\b|\bintervals?\b|\bints\b"
    r"|\b\d{3,4}s\b|\b\d{3,4} ?m\b|\bstrides\b|\bjog\b|\brecover(?:y|ies)\b|\bsets?\b"
    r"|\bdistance\b|\bhow far\b|\bpace\b|\bmiler?\b|\bkm\b|\bmiles?\b|\bk\b|\bkms\b"
)
_WEATHER = re.compile(
    r"\b(?:hot|heat|cold|rain\w*|snow\w*|wind\w*|degrees|humid\w*|ice|icy|freezing|sunny|sunshine|sunburn|dark)\b"
)
_NEXT = re.compile(
    r"\b(?:what'?s|whats|what is) next\b|\bnext (?:run|workout|session|one)\b"
    r"|\bwhat(?:'s| is) after"
    r" (?:this|today|that)\b"
)
_NEXT_REST = re.compile(
    r"\bnext (?:rest|off|easy) day\b|\bnext day off\b|\bwhen(?:'s| is| do i get)? (?:my |a |the )?"
    r"(?:next )?(?:rest day|day off)\b"
)
_BIGGEST = re.compile(
    r"\b(?:biggest|longest|hardest|heaviest|highest|toughest|peak)"
    r" (?:week|mileage|volume|(?:long )?run)\b"
    r"[^?.!]{0,20}\b(?:of|in|on) (?:my|the|this)(?: whole| entire)?"
    r" (?:plan|block|programme|program)\b"
    r"|\b(?:my|the) peak week\b|\bwhich (?:week|run) is (?:the )?(?:biggest|hardest|longest|peak)"
    r"|\blongest (?:long )?run (?:before|until|till) (?:the|my) (?:race|marathon|half|10k|5k)\b"
    r"|^\W*(?:my |the )?(?:biggest|longest|hardest|peak) (?:week|run)\b"
)
_GETS_WORSE = re.compile(
    r"\bget(?:s|ting)? (?:any |much |a lot |way )?(?:worse|harder|easier|bigger|longer|tougher"
    r"|lighter|heavier|better)\b"
)
# "why is sunday only 6.9k?", "how come no intervals till week 4": the plan's own reasons.
_WHY = re.compile(r"\b(?:why|how come|what'?s the reason|reason for|whats the reason)\b")
_PLAN_THING = re.compile(
    r"\b(?:only|just|short|shorter|lighter|easier|less|dropped|drops|down|lower|smaller|no|not|yet"
    r"|till|until|wait|so far|shows? up|start|starts|week \d+|wk \d+)\b"
)
_EXPLAIN_GENERAL = re.compile(r"\bwhy (?:do|should|would) (?:people|runners|you|we|coaches)\b")
_ONE_AFTER = re.compile(r"\b(?:the )?(?:one|week|weekend) after(?: that)?\b|\bthe following one\b")
_DAY_AFTER_THAT = re.compile(
    r"^\W*(?:and |ok |so )?(?:then|after that|what comes after|what comes next|and after)\W*$"
)
_SHORT_ASK = re.compile(
    r"^\W*(?:and |ok |so )?(?:how (?:long|far|many|much)|what pace|which day|when|what time"
    r"|how fast)"
    r"\W*$"
)
_TOTAL_ASKED = re.compile(r"\b(?:what'?s|whats|what is) (?:the|my) (?:total|mileage|volume)\b")
# "is that normal?", "should I worry?": a question about the runner, not their plan.
_STATE_ASKED = re.compile(
    r"\b(?:normal|is (?:that|this|it) (?:ok|okay|bad|fine|a problem)|should i (?:be )?worr\w*"
    r"|anything to worry|common)\b"
)
# Where a burst of texting splits into its separate asks.
_CLAUSE = re.compile(
    r"(?<=[?!])\s*|;\s*|\.\s+|\s*,\s*(?:and\s+|also\s+|plus\s+)?|:\s+"
    r"|\s+(?:and|also|plus)\s+(?=(?:what|whats|what's|how|hows|when|whens|is|are|which|do|does"
    r"|will|can)\b)"
)
_WHICH_DAYS = re.compile(r"\b(?:which|what) (?:days|ones)\b|\bhow many days (?:a|per) week do i\b")
# Asking where in the plan the runner is, not how tapers or cutbacks work in general.
_PHASE_ASKED = re.compile(
    r"\b(?:when (?:do|does|is|will|am|are)|whens|when's|which|what phase|what week|where am i"
    r"|am i (?:in|on|into)"
    r"|is (?:it|this|next|that|this week|next week) (?:a |the |my )?|does (?:my|the) taper"
    r"|how much (?:do i|does it|will i|should i)? ?(?:cut|drop|reduce|taper)|time)\b"
)
_COMPARE = re.compile(
    r"\b(?:harder|easier|bigger|smaller|longer|shorter|more|less|fewer|lighter|heavier|tougher)"
    r"\b[^?.!]{0,25}\bthan (?:this|last|next|that|the last|the previous) (?:one|week|wk)\b"
    r"|\bcompared? (?:to|with) (?:this|last|next) (?:one|week|wk)\b"
)
_DURATION = re.compile(
    r"\bhow long (?:will|does|should|would|is) [^?.!]{0,30}\b(?:take|last)\b|\bhow much time\b"
    r"|\bhow many (?:minutes|mins|hours|hrs)\b"
)
_PREDICTION = re.compile(
    r"\b(?:predict\w*|finish(?:ing)? time|goal time|target time|expected time|projected"
    r"|what time (?:will|could|can|should|might|would) i|how fast (?:will|could|can|should|might) i"
    r"|race pace|goal pace|target pace|what (?:will|would|could) i (?:run|finish|get)"
    r"|my vdot|my fitness (?:score|level)"
    r"|(?:what time|how fast) am i (?:gonna|going to) (?:run|do|get|finish)"
    r"|(?:which|what) time (?:i|can i|could i|will i|do i|i can|i will)"
    r"|my (?:finish|finishing|predicted|expected) time"
    r"|what time (?:do you think|d'you think|would you say)? ?i(?:'ll| will| can| could| would)?"
    r"|on track for|(?:time|pace) am i on|what am i on for|what (?:could|can) i (?:do|run|get)"
    r"|am i (?:on|on track|on course|in shape|fit enough|going|likely)"
    r" (?:for|to (?:get|run|break|go))"
    r"|(?:can|could|will) i (?:break|go under|get under|do|run) (?:sub|\d))\b"
)
_PACE = re.compile(
    r"\bpaces?\b|\bpacing\b|\bhow (?:fast|slow|quick|quickly|slowly)\b|\bspeed\b"
    r"|\bmin(?:ute)?s? ?(?:per|/) ?(?:km|k|mile|mi)\b|/km\b|/mi\b|\bzones?\b"
)
_MY_PACE = re.compile(
    r"\bpace (?:is|for|of|should) my\b|\bmy\s+(?:\w+\s+){0,2}(?:paces?|zones?|speeds?)\b"
    r"|\b(?:paces?|zones?)\s+(?:for|of|on|in)\s+my\b"
    r"|\bhow (?:fast|slow|quick) (?:should|do|am|must) i\b"
    r"|\bwhat (?:pace|speed) (?:should|do|am|must|will) i\b"
    r"|\bhow (?:fast|slow|quick) (?:are|is|should) my\b"
)
_PACE_VERB = re.compile(r"\bhow (?:do|should|would|can|to) (?:i |you )?pace\b|\bpacing strategy\b")
ZONES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("race", re.compile(r"\b(?:race|goal|target)[\s-]pace\b|\brace day pace\b")),
    ("marathon", re.compile(r"\bmarathon[\s-]pace\b|\bmp\b|\bm[\s-]pace\b")),
    ("threshold", re.compile(r"\b(?:threshold|tempo|lt|cruise|lactate|t[\s-]pace)\w*\b")),
    ("interval", re.compile(r"\b(?:intervals?|vo2\s?max|vo2|1000s|800s|i[\s-]pace)\b")),
    ("repetition", re.compile(r"\b(?:reps?|repetitions?|200s|400s|r[\s-]pace)\b")),
    ("long", re.compile(r"\blong[\s-]?(?:run|runs|one)\b")),
    ("recovery", re.compile(r"\brecovery\b")),
    ("easy", re.compile(r"\beasy\b|\bbase\b|\bconversational\b|\bzone ?2\b|\bz2\b")),
)
KIND_OF_ZONE = {
    "threshold": "tempo",
    "interval": "interval",
    "repetition": "repetition",
    "marathon": "marathon_pace",
    "long": "long",
    "easy": "easy",
    "recovery": "recovery",
}
_SHOULD = re.compile(
    r"\b(?:should|shall|can|could|must|would|need to)\s+i\s+(?:still\s+|even\s+|just\s+)?"
    r"(?:run|train|go|skip|miss|bail|rest|take|do it|do (?:the|my|today|tomorrow)|push through"
    r"|make (?:it|that|them) up|catch up)\b"
    r"|\bis it (?:ok|okay|fine|bad|safe|wise|smart|alright|a good idea)\b[^?.!]{0,15}"
    r"\b(?:to )?(?:run|skip|train|miss|rest|go)\b"
    r"|\b(?:skip|miss|bail on|ditch) (?:today|tomorrow|it|my|the|this|tonight)\b"
    r"|\bdo i have to\b|\b(?:ok|okay|fine|alright|safe) to (?:run|skip|train|do|go)\b"
    r"|\brun or rest\b|\brest or run\b"
    r"|\btake (?:a|the) day off\b"
    r"|\b(?:run|train|go|do it)\b[^?.!]{0,15}\bor (?:not|nah|no|rest|skip|bin it)\b"
    r"|\bor (?:rest|skip)\b|\b(?:still|even) (?:do|run) (?:it|the|my)\b"
)
_CONDITIONS: tuple[tuple[Condition, re.Pattern[str]], ...] = (
    (
        "missed",
        re.compile(
            r"\b(?:missed|skipped|didn't (?:do|run|get)|couldn't (?:do|run)"
            r"|make (?:it|that|them) up"
            r"|catch up)\b"
        ),
    ),
    (
        "ill",
        re.compile(
            r"\b(?:sick|ill|illness|cold|flu|fever\w*|temperature|sore throat|covid|virus|bug"
            r"|stomach|nause\w*|runny nose|stuffy|congest\w*|under the weather|unwell|poorly"
            r"|cough\w*)\b"
        ),
    ),
    (
        "pain",
        re.compile(
            r"\b(?:pain|painful|hurts?|hurting|injur\w*|niggle|niggly|twinge|tweak\w*|sprain\w*"
            r"|strain\w*|limp\w*|swollen|shin splints?)\b"
            # one spot that is sore ("knee is a bit sore") is pain, not tired legs
            r"|\b(?:knee|ankle|hip|shin|foot|achilles|calf|hamstring|heel|arch|it band)s?\b"
            r"[^.?!]{0,15}\b(?:sore|aching|achy|hurt\w*|tight|twinging)\b"
        ),
    ),
    (
        "sore",
        re.compile(
            r"\b(?:sore|soreness|doms|stiff|achy|aching|aches|heavy legs|legs (?:are|feel|felt)"
            r" (?:heavy|dead|tired|shot|toast|trashed|wrecked)|dead legs|tight)\b"
        ),
    ),
    (
        "tired",
        re.compile(
            r"\b(?:tired|exhausted|knackered|wiped|drained|fatigued?|no energy|low energy|sleepy"
            r"|slept (?:badly|poorly|terribly|bad"
            r"|(?:like |about |only |just )?\d+ ?(?:hours?|hrs?))"
            r"|(?:didn't|did not|couldn't|barely) sleep\w*"
            r"|(?:little|no|lack of|not much|not enough|bad|poor|terrible|zero) sleep|only slept"
            r"|\d+ hours? (?:of )?sleep|up all night|night shift|jet ?lag\w*|newborn|insomnia"
            r"|bad night|hungover|hung over|burnt? out|run down|rundown|shattered|cooked|zonked)\b"
        ),
    ),
    (
        "busy",
        re.compile(
            r"\b(?:busy|no time|short on time|don't have time|dont have time|not enough time"
            r"|working late|work late|travel\w*|meeting|deadline|kids|in a rush|rushed"
            r"|tight on time"
            r"|only (?:have|got) (?:\d+|an?|half an?|about \d+) ?(?:min\w*|hours?|hr)"
            r"|(?:\d+|forty|thirty|twenty) ?min(?:ute)?s? (?:before|until|till|to spare|free"
            r"|max))\b"
        ),
    ),
    (
        "weather",
        re.compile(
            r"\b(?:rain\w*|snow\w*|ice|icy|storm\w*|thunder\w*|heat ?wave|too hot|so hot|freezing"
            r"|windy|smoke|smoky)\b"
        ),
    ),
)
_DAY_WORD = r"(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday|sday)?"
_OWNED_DAY = re.compile(
    rf"\b({_DAY_WORD})(?:'s\b|s\b(?=\s+(?:run|tempo|long|workout|session|intervals|reps|easy)))"
)
_MOVE = re.compile(
    r"\b(?:move|moving|swap|swapping|switch|switching|shift|push|reschedule|postpone)\b"
    r"|\binstead\b|\brather than\b|\bin place of\b"
    rf"|\b{_DAY_WORD}(?:'s|s)\b[^?.!]{{0,30}}\b(?:on|to)\s+(?:the\s+)?{_DAY_WORD}\b"
)
_INSTEAD_OF = re.compile(r"\b(?:instead of|rather than|in place of)\b")
# Asking what the plan holds for a day, as opposed to asking something else that names a day
# ("it'll be 31 degrees for my run tomorrow, how much slower should i go?").
_WORKOUT_ASKED = re.compile(
    r"\b(?:wh?at'?s?|wot'?s?|which)\b[^?.!]{0,25}\b(?:on|up|planned|scheduled|due|running"
    r"|doing|run|runs|workout|session|training|have|got|in store|the plan|my plan)\b"
    r"|\b(?:am|are|do|have|is) (?:i|we|there)\b[^?.!]{0,20}\b(?:run|running|training|workout"
    r"|session|rest|off|anything)\b|\brest day\b|\bday off\b|^\W*anything\b"
    r"|\b(?:look|looking|looks) like\b|\bin store\b|\bhow (?:far|long) is\b"
    r"|\b(?:my|the) (?:run|runs|workout|workouts|session|sessions|training|plan)\b"
    r"[^?.!]{0,20}\b(?:for|on|this|next|tomorrow|today|tonight)\b"
    r"|\b(?:how (?:far|long|many (?:km|kms|miles|k))|how much)\b[^?.!]{0,20}"
    r"\b(?:run|running|i|my)\b"
    r"|\b(?:a |the )?(?:big|hard|tough|easy|long|short|light|heavy) (?:one|day|session)\b"
    r"|\b(?:damage|load|lineup|line-up|on the cards|on tap|on deck)\b"
    r"|\bhow many (?:reps|repeats|intervals|x|sets|laps|strides)\b"
)
_SCHEDULE_ASKED = re.compile(
    r"\b(?:how (?:far|long|many (?:km|kms|miles|k))|wh?at|whats|what's|wats|when|whens|when's"
    r"|which|where|anything|got)\b"
)
_SOMEONE_ELSE_ILL = re.compile(
    r"\b(?:my|the|our) (?:kid|kids|son|daughter|child|children|wife|husband|partner|baby|mum|mom"
    r"|dad|family|boss|dog)\b[^.,;!?]{0,15}\b(?:sick|ill|unwell|poorly|flu|cold|fever)\b"
)
_HOW_MUCH = re.compile(r"\bhow (?:long|much|many|often|soon|far)\b|\bwhen (?:can|should) i\b")
_TODAY_WORD = re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b")
_FIRST_RUN = re.compile(
    r"\b(?:my|the) first (?:run|workout|session|training day|day)\b"
    r"|\bfirst day of (?:the|my) plan\b"
)
_JOINT = re.compile(r"\b(?:to|on|onto|until|till|for|with|and)\b")
_OVERVIEW = re.compile(
    r"\b(?:show|see|send|view|what(?:'s| is)|whats|give me|remind me of)\b[^?.!]{0,20}"
    r"\b(?:my|the) (?:whole |full |training |running )?(?:plan|schedule|program|programme)\b"
    r"|^\s*(?:my )?plan\s*\??$"
)
_UNITS_MI = re.compile(
    r"\b(?:in|to) (?:miles|mi)\b|\bhow (?:many|much) (?:miles|mi)\b|\bper mile\b|/mi(?:le)?\b"
)
_UNITS_KM = re.compile(
    r"\b(?:in|to) (?:km|kms|kilomet\w+)\b|\bhow (?:many|much) (?:km|kms|kilomet\w+)\b"
    r"|\bper (?:km|kilomet\w+)\b|/km\b"
)
_FOLLOW_UP = re.compile(
    r"^\s*(?:and|what about|how about|and what about|ok and|also|same for|n|&)\b|^\s*(?:and )?the"
    r" (?:day|week) after\b|^\s*(?:then|after that)\b"
)


@dataclass(frozen=True)
class PlanQuestion:
    """What a runner asks about their training; fields left None were not said."""

    subject: Subject | None
    days: Days | None = None
    zone: str | None = None
    condition: Condition | None = None
    moved_to: Days | None = None  # for "move": where the workout in ``days`` should go
    units: Units | None = None  # "... in miles?"
    elliptical: bool = False  # "and ...?", "what about ...": leans on the question before
    # Only the plan can answer it ("what am I running tomorrow?"), so without one the coach says
    # so; otherwise ("how fast should my long run be?") the knowledge base answers a runner
    # who has no plan.
    needs_plan: bool = False
    week_later: bool = False  # "and the one after?": the same day or week, a week on


def normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def read(
    text: str, today: date, plan_start: date | None = None, race_day: date | None = None
) -> PlanQuestion | None:
    """The plan question ``text`` asks, or None when it is not about the runner's own training.

    A partial reading (a day but no subject, as in "and tomorrow?") comes back with
    ``subject=None``; ``follow_up`` completes it from the previous question.
    """
    t = normalise(text)
    question = _read(t, today, plan_start, race_day)
    if question is None and _ONE_AFTER.search(t):
        return PlanQuestion(None, elliptical=True, week_later=True)
    if question is None and _DAY_AFTER_THAT.search(t):
        return PlanQuestion(None, Days((today,), "the day after", relative=True), elliptical=True)
    if question is None and _SHORT_ASK.search(t):
        return PlanQuestion(None, elliptical=True)
    if question is not None and _FOLLOW_UP.search(t):
        return replace(question, elliptical=True)
    return question


def _read(
    t: str, today: date, plan_start: date | None, race_day: date | None
) -> PlanQuestion | None:
    units: Units | None = "mi" if _UNITS_MI.search(t) else "km" if _UNITS_KM.search(t) else None
    days = find_days(t, today, plan_start, race_day)
    if days is not None and days.relative and not _FOLLOW_UP.search(t):
        days = None  # "intervals the day after my tempo" names no date of its own
    personal = bool(_PERSONAL.search(t))
    zone = next((name for name, pattern in ZONES if pattern.search(t)), None)
    about_me = _SOMEONE_ELSE_ILL.sub(" busy ", t)  # "my kid is sick": the runner is busy
    condition = next((name for name, pattern in _CONDITIONS if pattern.search(about_me)), None)
    asking = bool(_ASKING.search(t) or _CHECKING.search(t) or _ASKED_ANYWHERE.search(t))
    if _EXPLAIN.search(t):
        return None  # "what's the point of the reps on thursday?": the knowledge base explains
    # "how long do I warm up on thursday": a part of a named day's workout is the plan's to say.
    part_of_a_day = (
        days is not None
        and not days.relative
        and bool(_COMPONENT.search(t))
        and not re.search(r"\b(?:can|could|should) i (?:do|run|make|add)\b", t)
    )
    how_to = bool(_HOW_TO.search(t) or _WEATHER.search(t)) and not part_of_a_day
    if _MOVE.search(t) and (personal or days) and (move := _move(t, today, plan_start)):
        return move
    if _SHOULD.search(t) and (days or condition) and not _HOW_MUCH.search(t):
        if _TODAY_WORD.search(t):
            days = find_days("today", today)
        return PlanQuestion("should_run", days, zone, condition or "none", units=units)
    if _RACE_WHEN.search(t):
        return PlanQuestion("race", None, units=units, needs_plan=True)
    if _PREDICTION.search(t) and (personal or "race" in t):
        return PlanQuestion("prediction", days, units=units)
    if _FIRST_RUN.search(t):
        return PlanQuestion("first", units=units, needs_plan=True)
    if _NEXT.search(t) and asking:
        return PlanQuestion("next", units=units, needs_plan=True)
    if _NEXT_REST.search(t):
        return PlanQuestion("kind", None, "rest", units=units, needs_plan=True)
    if _BIGGEST.search(t):
        return PlanQuestion("biggest", units=units, needs_plan=True)
    if _PHASE.search(t) and _PHASE_ASKED.search(t) and not how_to:
        return PlanQuestion("phase", days, units=units, needs_plan=personal)
    if (_COMPARE.search(t) or _GETS_WORSE.search(t)) and days is not None and days.whole_week:
        return PlanQuestion("compare", days, units=units, needs_plan=True)
    if _WHY.search(t) and _PLAN_THING.search(t) and not _EXPLAIN_GENERAL.search(t):
        return PlanQuestion("why", days, zone, units=units, needs_plan=True)
    if _DURATION.search(t) and days is not None and not how_to:
        return PlanQuestion("duration", days, units=units, needs_plan=True)
    if _paces_asked(t, zone, personal) and not _numbers_given(t) and not how_to:
        if days:
            return PlanQuestion("workout", days, units=units, needs_plan=part_of_a_day)
        return PlanQuestion("paces", days, zone, units=units, needs_plan=bool(_MY_PACE.search(t)))
    if _PACE.search(t) and len(t.split()) <= 4:  # "what pace?", maybe after asking about a day
        if days is not None:
            return PlanQuestion("workout", days, zone, units=units, needs_plan=True)
        return PlanQuestion("paces", days, zone, units=units, elliptical=True)
    if _COMPONENT.search(t) and len(t.split()) <= 3:  # "warm up?" after asking about a day
        return PlanQuestion(None, days, zone, units=units, elliptical=True)
    if how_to:
        return None

    if _LONG.search(t) and (personal or days):
        return PlanQuestion("long", days, units=units, needs_plan=bool(_SCHEDULE_ASKED.search(t)))
    if _TOTAL.search(t) and days and days.whole_week and not _WHICH_DAYS.search(t):
        return PlanQuestion("total", days, units=units, needs_plan=True)
    if _WHICH_DAYS.search(t) and days is None and asking:  # "remind me which days i run"
        return PlanQuestion("workout", find_days("this week", today), units=units, needs_plan=True)
    if _TOTAL_ASKED.search(t) and days is None and asking:  # "lighter week? what's the total"
        this_week = find_days("this week", today)
        return PlanQuestion("total", this_week, units=units)
    if _OVERVIEW.search(t) and not days:
        return PlanQuestion("overview", units=units, needs_plan=True)
    if days is not None:
        if _FOLLOW_UP.search(t) or (len(t.split()) <= 3 and not _PLANNED.search(t)):
            return PlanQuestion(None, days, zone, units=units)
        if _WORKOUT_ASKED.search(t) or (len(t.split()) <= 3 and asking) or part_of_a_day:
            return PlanQuestion("workout", days, units=units, needs_plan=True)
        if zone in KIND_OF_ZONE and _SCHEDULE_ASKED.search(t):  # "the tempo thing tomorrow?"
            return PlanQuestion("workout", days, units=units, needs_plan=True)
        if asking and not _WEATHER.search(t):
            # Any other question that names a day, from a runner with a plan, is most likely
            # about that day's run; without a plan the knowledge base takes it.
            return PlanQuestion("workout", days, units=units)
        return None
    if zone in KIND_OF_ZONE and _ASKING.search(t) and _next_session_asked(t, personal):
        return PlanQuestion("kind", None, zone, units=units, needs_plan=personal)
    if (units and _FOLLOW_UP.search(t)) or (units and len(t.split()) <= 4):
        return PlanQuestion(None, units=units)
    return None


def read_all(
    text: str, today: date, plan_start: date | None = None, race_day: date | None = None
) -> list[PlanQuestion]:
    """Every plan question a message asks, in order. Runners text in bursts ("whats tmrw, how
    far is sunday and how many weeks left") and put context first ("did the 200s yesterday,
    felt great, so whats on today"): each clause that asks something is read on its own, and a
    clause that only tells ("legs heavy after yesterday's long one") names no day to answer."""
    whole = read(text, today, plan_start, race_day)
    clauses = [c for c in _CLAUSE.split(normalise(text)) if c and c.strip(" ,")]
    if len(clauses) < 2:
        return [whole] if whole is not None else []
    named = find_days(normalise(text), today, plan_start, race_day)
    asked: list[PlanQuestion] = []
    about_the_runner = False
    for clause in clauses:
        if not (_ASKED_ANYWHERE.search(clause) or _CHECKING.search(clause) or len(clauses) == 1):
            continue
        about_the_runner = about_the_runner or bool(_STATE_ASKED.search(clause))
        part = read(clause, today, plan_start, race_day)
        if part is None and named is not None and _SUBJECT_ONLY.search(clause):
            # "...next week, and whats the long run?": the clause, on the days named before it
            part = read(f"{clause} {_spoken(named)}", today, plan_start, race_day)
        if part is None:
            continue
        if part.subject is None:
            part = follow_up(part, asked[-1] if asked else None)
        if part is None or part.subject is None:
            continue
        # "race day!! what pace do i start at": the asking clause, on the day named before it
        if (
            part.days is None
            and named is not None
            and part.subject in ("paces", "workout", "long", "duration", "should_run")
        ):
            subject = "workout" if part.subject == "paces" else part.subject
            part = replace(part, subject=subject, days=named)
        if part not in asked:
            asked.append(part)
    if not asked:
        # "legs sore after yesterday's long run, is that normal?": the question is not about the
        # plan, however much plan the context before it names
        if about_the_runner:
            return []
        return [whole] if whole is not None else []
    if whole is not None and whole.condition and asked[0].subject == "should_run":
        asked[0] = replace(asked[0], condition=whole.condition)  # "should i run, legs dead"
    if len(asked) == 1 and whole is not None and whole.subject == asked[0].subject == "move":
        return [whole]
    return asked


_SUBJECT_ONLY = re.compile(
    r"\b(?:the|my) (?:long (?:run|one)|total|mileage|tempo|intervals|reps)\b"
)


def _spoken(days: Days) -> str:
    """Days as words ``find_days`` reads back: their label, or the date itself."""
    readable = days.whole_week or days.label in ("today", "tomorrow", "yesterday", "race day")
    return days.label if readable or " and " in days.label else days.dates[0].isoformat()


def follow_up(current: PlanQuestion | None, previous: PlanQuestion | None) -> PlanQuestion | None:
    """Completes a partial question ("and the day after?") from the one asked before it."""
    if current is None:
        return None
    if current.subject is not None:
        if (
            current.elliptical
            and current.days is None
            and previous is not None
            and previous.days is not None
            and current.subject in ("long", "total", "workout", "paces")
        ):
            subject = "workout" if current.subject == "paces" else current.subject
            return replace(current, subject=subject, days=previous.days)
        return current
    if previous is None or previous.subject is None or _about_the_whole_plan(previous, current):
        if current.days is not None:
            return replace(current, subject="workout", needs_plan=True)
        return None
    days = current.days or previous.days
    if current.days is not None and current.days.relative and previous.days is not None:
        last = previous.days.dates[-1]
        days = Days((last + timedelta(days=1),), "the day after")
    if current.days is None and current.week_later and previous.days is not None:
        days = Days(tuple(d + timedelta(weeks=1) for d in previous.days.dates), "the one after")
    if days is not None and previous.subject == "total" and not days.whole_week:
        days = Days(week_of(days.dates[0]), days.label, whole_week=True)
    return replace(
        previous,
        days=days,
        zone=current.zone or previous.zone,
        units=current.units or previous.units,
    )


def _paces_asked(t: str, zone: str | None, personal: bool) -> bool:
    """'what pace are my tempo runs', 'my paces?', 'how fast should i run intervals'; not 'how
    do i pace my first half', which asks how to pace a race (the knowledge base's job)."""
    if _PACE_VERB.search(t):
        return False
    if _MY_PACE.search(t):
        return True
    return bool(_PACE.search(t) and zone and (personal or zone != "long"))


def _about_the_whole_plan(previous: PlanQuestion, current: PlanQuestion) -> bool:
    """After "my paces?" or "when's my race?", a bare "thursday?" asks for that day's run."""
    return (
        previous.subject in ("paces", "prediction", "race", "overview") and current.days is not None
    )


def _numbers_given(t: str) -> bool:
    """'what pace for a 50 min 10k' asks the calculator, not the runner's own plan."""
    return bool(
        re.search(r"\b\d{1,2}:\d{2}\b|\bvdot\s*\d|\bsub[\s-]?\d|\b\d+\s*(?:min|mins|minutes)\b", t)
    )


def _next_session_asked(t: str, personal: bool) -> bool:
    """'when's my next tempo', 'tempo sesh when?'; with 'my', also 'what does my tempo involve'
    (without it, 'what is a tempo run?' is a textbook question)."""
    if re.search(r"\b(?:next|when|whens|when's)\b", t):
        return True
    return (
        personal
        and bool(re.search(r"\bmy (?:\w+ )?(?:run|session|workout)s?\b", t))
        and bool(
            re.search(
                r"\b(?:what(?:'s| is| are| does)?|whats|how (?:long|far|many)|explain|mean"
                r"|involve)\b",
                t,
            )
        )
    )


def _move(t: str, today: date, plan_start: date | None) -> PlanQuestion | None:
    """'do thursday's run on friday', 'move my long run to saturday', 'tomorrow instead of
    today', 'swap sat and sun': the day the workout is on now, and the day it should go to."""
    t = re.split(r"[?!.]\s", t, maxsplit=1)[0]  # the request, not what follows it
    if match := _INSTEAD_OF.search(t):
        source = find_days(t[match.end() :], today, plan_start)
        target = find_days(t[: match.start()], today, plan_start)
    else:
        source = target = None
        for joint in reversed(list(_JOINT.finditer(t))):
            target = find_days(t[joint.end() :], today, plan_start)
            if target is not None:
                before = t[: joint.start()]
                owner = _OWNED_DAY.search(before)  # "sunday's run": the day the run is on
                source = find_days(owner.group(1) if owner else before, today, plan_start)
                break
    if target is None:
        return None
    zone = next((name for name, pattern in ZONES if pattern.search(t)), None)
    if source is None and zone is None:
        source = Days((today,), "today") if "today" in t else None
    if source is None and zone is None:
        return None
    return PlanQuestion("move", source, zone, moved_to=target, needs_plan=True)
