"""Fixed inputs of the national dataset: Denmark's 98 municipalities, the age distribution of
aktivitetsparate citizens (Statistics Denmark) and the pools of Danish text the generator
draws from. Everything here is public or invented; no real person is named.
"""

import csv
from functools import cache
from importlib import resources

# (municipality code, name, region, inhabitants in thousands, rounded). The population only
# weights how citizens, staff and GP clinics spread over the country.
MUNICIPALITIES: list[tuple[str, str, str, int]] = [
    ("0101", "København", "Hovedstaden", 655),
    ("0147", "Frederiksberg", "Hovedstaden", 105),
    ("0151", "Ballerup", "Hovedstaden", 49),
    ("0153", "Brøndby", "Hovedstaden", 36),
    ("0155", "Dragør", "Hovedstaden", 15),
    ("0157", "Gentofte", "Hovedstaden", 75),
    ("0159", "Gladsaxe", "Hovedstaden", 70),
    ("0161", "Glostrup", "Hovedstaden", 24),
    ("0163", "Herlev", "Hovedstaden", 30),
    ("0165", "Albertslund", "Hovedstaden", 28),
    ("0167", "Hvidovre", "Hovedstaden", 54),
    ("0169", "Høje-Taastrup", "Hovedstaden", 52),
    ("0173", "Lyngby-Taarbæk", "Hovedstaden", 57),
    ("0175", "Rødovre", "Hovedstaden", 41),
    ("0183", "Ishøj", "Hovedstaden", 24),
    ("0185", "Tårnby", "Hovedstaden", 44),
    ("0187", "Vallensbæk", "Hovedstaden", 17),
    ("0190", "Furesø", "Hovedstaden", 41),
    ("0201", "Allerød", "Hovedstaden", 26),
    ("0210", "Fredensborg", "Hovedstaden", 41),
    ("0217", "Helsingør", "Hovedstaden", 63),
    ("0219", "Hillerød", "Hovedstaden", 52),
    ("0223", "Hørsholm", "Hovedstaden", 25),
    ("0230", "Rudersdal", "Hovedstaden", 57),
    ("0240", "Egedal", "Hovedstaden", 44),
    ("0250", "Frederikssund", "Hovedstaden", 46),
    ("0260", "Halsnæs", "Hovedstaden", 31),
    ("0270", "Gribskov", "Hovedstaden", 41),
    ("0400", "Bornholm", "Hovedstaden", 39),
    ("0253", "Greve", "Sjælland", 51),
    ("0259", "Køge", "Sjælland", 62),
    ("0265", "Roskilde", "Sjælland", 90),
    ("0269", "Solrød", "Sjælland", 23),
    ("0306", "Odsherred", "Sjælland", 33),
    ("0316", "Holbæk", "Sjælland", 72),
    ("0320", "Faxe", "Sjælland", 37),
    ("0326", "Kalundborg", "Sjælland", 49),
    ("0329", "Ringsted", "Sjælland", 36),
    ("0330", "Slagelse", "Sjælland", 80),
    ("0336", "Stevns", "Sjælland", 23),
    ("0340", "Sorø", "Sjælland", 30),
    ("0350", "Lejre", "Sjælland", 29),
    ("0360", "Lolland", "Sjælland", 40),
    ("0370", "Næstved", "Sjælland", 84),
    ("0376", "Guldborgsund", "Sjælland", 60),
    ("0390", "Vordingborg", "Sjælland", 46),
    ("0410", "Middelfart", "Syddanmark", 39),
    ("0420", "Assens", "Syddanmark", 41),
    ("0430", "Faaborg-Midtfyn", "Syddanmark", 52),
    ("0440", "Kerteminde", "Syddanmark", 24),
    ("0450", "Nyborg", "Syddanmark", 32),
    ("0461", "Odense", "Syddanmark", 207),
    ("0479", "Svendborg", "Syddanmark", 59),
    ("0480", "Nordfyns", "Syddanmark", 30),
    ("0482", "Langeland", "Syddanmark", 12),
    ("0492", "Ærø", "Syddanmark", 6),
    ("0510", "Haderslev", "Syddanmark", 56),
    ("0530", "Billund", "Syddanmark", 27),
    ("0540", "Sønderborg", "Syddanmark", 74),
    ("0550", "Tønder", "Syddanmark", 37),
    ("0561", "Esbjerg", "Syddanmark", 116),
    ("0563", "Fanø", "Syddanmark", 4),
    ("0573", "Varde", "Syddanmark", 50),
    ("0575", "Vejen", "Syddanmark", 43),
    ("0580", "Aabenraa", "Syddanmark", 59),
    ("0607", "Fredericia", "Syddanmark", 52),
    ("0621", "Kolding", "Syddanmark", 95),
    ("0630", "Vejle", "Syddanmark", 120),
    ("0615", "Horsens", "Midtjylland", 98),
    ("0657", "Herning", "Midtjylland", 90),
    ("0661", "Holstebro", "Midtjylland", 59),
    ("0665", "Lemvig", "Midtjylland", 19),
    ("0671", "Struer", "Midtjylland", 21),
    ("0706", "Syddjurs", "Midtjylland", 43),
    ("0707", "Norddjurs", "Midtjylland", 37),
    ("0710", "Favrskov", "Midtjylland", 49),
    ("0727", "Odder", "Midtjylland", 23),
    ("0730", "Randers", "Midtjylland", 99),
    ("0740", "Silkeborg", "Midtjylland", 98),
    ("0741", "Samsø", "Midtjylland", 4),
    ("0746", "Skanderborg", "Midtjylland", 64),
    ("0751", "Aarhus", "Midtjylland", 360),
    ("0756", "Ikast-Brande", "Midtjylland", 41),
    ("0760", "Ringkøbing-Skjern", "Midtjylland", 56),
    ("0766", "Hedensted", "Midtjylland", 47),
    ("0779", "Skive", "Midtjylland", 46),
    ("0791", "Viborg", "Midtjylland", 97),
    ("0773", "Morsø", "Nordjylland", 20),
    ("0787", "Thisted", "Nordjylland", 43),
    ("0810", "Brønderslev", "Nordjylland", 36),
    ("0813", "Frederikshavn", "Nordjylland", 59),
    ("0820", "Vesthimmerlands", "Nordjylland", 36),
    ("0825", "Læsø", "Nordjylland", 2),
    ("0840", "Rebild", "Nordjylland", 30),
    ("0846", "Mariagerfjord", "Nordjylland", 42),
    ("0849", "Jammerbugt", "Nordjylland", 38),
    ("0851", "Aalborg", "Nordjylland", 220),
    ("0860", "Hjørring", "Nordjylland", 64),
]
assert len(MUNICIPALITIES) == 98 and len({m[0] for m in MUNICIPALITIES}) == 98

# Ages covered by each row of the Statistics Denmark table (60+ ends at the pension age).
AGE_RANGES = {"30-39": (30, 39), "40-49": (40, 49), "50-59": (50, 59), "60+": (60, 66)}


@cache
def age_weights() -> list[tuple[tuple[int, int], float]]:
    """Each age group with its share: the 2023 monthly mean of aktivitetsparate citizens aged
    30+ (Statistics Denmark, copied into synthetic/data)."""
    path = resources.files("enplan.synthetic").joinpath("data/dst_aktivitetsparate_2023.csv")
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    means = {
        r["age_group"]: sum(int(v) for k, v in r.items() if k != "age_group") / (len(r) - 1)
        for r in rows
    }
    total = sum(means.values())
    return [(AGE_RANGES[group], mean / total) for group, mean in means.items()]


GIVEN = (
    "Anne Mads Fatima Ahmad Louise Kasper Sofie Mikkel Hodan Yonas Camilla Rasmus Nadia Omar "
    "Line Tobias Ida Jamal Maja Emil Leila Christian Sanne Abdi Julie Simon Zahra Martin Helle "
    "Nikolaj Mette Jonas Sara Peter Karin Lene Bo Henrik Amina Ali Birgitte Ole Dorte Lars "
    "Susanne Jens Hanne Søren Pia Thomas Charlotte Michael Tina Jesper Rikke Anders Marianne "
    "Morten Heidi Brian Dorthe Kim Malene René Janni Dennis Mona Hussein Aylin Mustafa Olga "
    "Piotr Agnieszka Tenzin Elif Bilal Asma Dragan Vesna Ebbe Gry Nanna Troels"
).split()
FAMILY = (
    "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
    "Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen "
    "Karlsen Jakobsen Frederiksen Lund Holm Schmidt Eriksen Kristiansen Simonsen Clausen "
    "Svendsen Andreasen Iversen Jeppesen Vestergaard Knudsen Mogensen Nissen Dahl Bach Friis "
    "Juul Krag Bro Vind Ali Mohamed Haile Karimi Yilmaz Hussein Nowak Kowalski Demir Ahmadi "
    "Abdi Osman Hassan Jovanovic Petrovic"
).split()
STREETS = (
    "Søborg Hovedgade,Bagsværd Hovedgade,Vestergade,Østergade,Nørregade,Søndergade,Algade,"
    "Jernbanegade,Torvet,Kirkevej,Skolevej,Stationsvej,Møllevej,Parkvej,Strandvejen,"
    "Havnegade,Engvej,Skovvej,Bygaden,Nytorv"
).split(",")

LANGUAGES = [  # (language, dialect) for citizens who need an interpreter
    ("ar", "Irakisk arabisk"),
    ("ar", "Levantinsk arabisk"),
    ("prs", ""),
    ("so", "Nordsomali"),
    ("ti", "Eritreisk tigrinya"),
    ("fa", ""),
    ("ku", "Kurmanji"),
    ("tr", ""),
    ("uk", ""),
    ("pl", ""),
]
PREFERENCES = [
    "Korte beskeder, ét emne ad gangen.",
    "Ring før kl. 12 – sover dårligt.",
    "Vil gerne have skriftlig opsummering efter møder.",
    "Foretrækker møder i Lokalpsykiatrien, hvor hun føler sig tryg.",
    "Bisidder (søster) deltager gerne.",
    "Sms dagen før et møde.",
    "Undgå telefonopkald; skriv i stedet.",
    "",
    "",
    "",
]
PHONE_HOURS = ["Hverdage 8.30–10", "Man–tor 9–12, fre 9–11", "Telefontid 8–9", "Tirs og tors 10–12"]

FINAL_GOALS = [
    "Jeg vil have et job, hvor jeg kan bruge mine hænder.",
    "Jeg vil arbejde med dyr, måske i en dyrehandel.",
    "Jeg vil tilbage til lagerarbejde, 20 timer om ugen.",
    "Jeg vil tage en uddannelse som social- og sundhedshjælper.",
    "Jeg vil kunne klare mig selv og forsørge mine børn.",
    "Jeg vil have et fleksjob i et køkken.",
    "Jeg vil arbejde i butik igen.",
    "Jeg vil have et liv, hvor jeg kan klare mig selv.",
    "Jeg vil køre bus igen, når min ryg kan holde til det.",
    "Jeg vil gerne være pædagogmedhjælper.",
]
AREAS = {
    "area_future": [
        "Vil gerne i gang inden for 3 måneder. Bekymret for at blive presset.",
        "Ønsker praktik tæt på hjemmet. Bange for at skuffe igen.",
        "Vil gerne have en plan, der tager hensyn til behandlingen.",
    ],
    "area_everyday": [
        "Bor alene. Har kontakt til sin søster.",
        "Bor med to børn; økonomien er stram.",
        "Har svært ved at komme ud af døren om morgenen.",
        "Har en hund, der giver struktur på dagen.",
    ],
    "area_health": [
        "Skånehensyn: max 3 timer ad gangen. Søvn og motion prioriteres.",
        "Kroniske smerter i ryggen; må ikke løfte tungt.",
        "Angst i store grupper; pauser efter behov.",
    ],
    "area_psychiatry": [
        "Medicin og samtaleforløb; psykiatrien melder tilbage om parathed.",
        "Samtaler hver 14. dag; medicinen justeres.",
        "Venter på udredning for ADHD.",
    ],
    "area_jobcenter": [
        "Praktik med mentorstøtte; info om rettigheder og pligter.",
        "IPS-forløb med jobsøgning inden for lager og logistik.",
        "Afklaring af arbejdsevne i virksomhedspraktik.",
    ],
}
MENTOR_ROLES = ["Mentor følger med til første praktikdag og ringer hver mandag."]
SUPPORT_ROLES = ["Støttekontaktpersonen hjælper med post, økonomi og at komme til møder."]
FOLLOWUP_PLACES = ["Jobcentret", "Lokalpsykiatrien", "Online (video)", "Hjemme hos borger"]
FOLLOWUP_WITH = "Borger, koordinerende sagsbehandler, kontaktperson"

# (title, conversation area, written by: "jc" jobcenter or "psych" psychiatry)
GOALS = [
    ("Jeg vil kunne sove en hel nat igen", 3, "psych"),
    ("Komme ud af huset hver dag", 2, "jc"),
    ("Finde en praktikplads med dyr", 5, "jc"),
    ("Få styr på min økonomi", 2, "jc"),
    ("Tage kørekort", 1, "jc"),
    ("Arbejde 15 timer om ugen", 5, "jc"),
    ("Holde mig fra hash", 3, "psych"),
    ("Starte på uddannelse til sommer", 1, "jc"),
    ("Forstå min medicin og bivirkninger", 4, "psych"),
    ("Gå en tur hver dag", 3, "jc"),
    ("Kunne være i en gruppe uden angst", 4, "psych"),
    ("Møde stabilt i praktikken", 5, "jc"),
    ("Have kontakt til min familie", 2, "jc"),
    ("Lære at sige fra", 4, "psych"),
    ("Komme til tandlægen", 3, "jc"),
    ("Søge tre job om ugen", 5, "jc"),
]
GOAL_EVALUATIONS = [
    "",
    "",
    "Sover bedre efter medicinjustering.",
    "Har været ude hver dag i 2 uger.",
    "Går bedre, men stadig svært om mandagen.",
]

# (title, track, legal basis, section, purpose, organisation kind)
ACTIVITIES = [
    (
        "Virksomhedspraktik i børnehave, 10 timer/uge",
        "employment",
        "lab",
        "LAB § 42",
        "Afklare arbejdsevne og opbygge rutiner",
        "jc",
    ),
    (
        "Mentorstøtte 2 timer/uge",
        "employment",
        "lab",
        "LAB § 31b",
        "Støtte til at møde stabilt",
        "jc",
    ),
    (
        "Jobsøgning med støtte fra IPS",
        "employment",
        "lab",
        "",
        "Finde deltidsjob inden for lager",
        "jc",
    ),
    ("Løntilskud i kommunal park", "employment", "lab", "LAB § 55", "Prøve fast arbejde", "jc"),
    ("Danskundervisning", "employment", "lab", "", "Bedre dansk til arbejdsmarkedet", "jc"),
    ("Samtale om økonomi", "", "aktivloven", "", "Overblik over gæld og budget", "jc"),
    (
        "Samtaleforløb om angst (8 sessioner)",
        "treatment",
        "sundhedsloven",
        "",
        "Mindske angst i hverdagen",
        "psych",
    ),
    (
        "Medicinjustering og opfølgning",
        "treatment",
        "sundhedsloven",
        "",
        "Stabil søvn og mindre uro",
        "psych",
    ),
    ("Psykoedukation i gruppe", "treatment", "sundhedsloven", "", "Forstå sin diagnose", "psych"),
    ("Ambulant dagbehandling", "treatment", "serviceloven", "SEL § 101", "Reducere forbrug", "rus"),
    (
        "Motiverende samtaler",
        "treatment",
        "serviceloven",
        "SEL § 101",
        "Fastholde ædruelighed",
        "rus",
    ),
    (
        "Fysisk træning med fysioterapeut",
        "treatment",
        "sundhedsloven",
        "",
        "Mindre smerter, mere energi",
        "gp",
    ),
    ("Opfølgning hos egen læge", "treatment", "sundhedsloven", "", "Følge blodtryk og søvn", "gp"),
    (
        "Støttekontaktperson 3 timer/uge",
        "",
        "serviceloven",
        "SEL § 85",
        "Hjælp til post og aftaler",
        "soc",
    ),
    ("Bostøtte", "", "serviceloven", "SEL § 85", "Struktur i hjemmet", "soc"),
    (
        "Traumefokuseret terapi",
        "treatment",
        "sundhedsloven",
        "",
        "Færre mareridt og flashbacks",
        "trauma",
    ),
]
ACTIVITY_EVALUATIONS = ["", "", "", "Går godt.", "Har meldt afbud to gange."]
TRACK_SUMMARIES = {
    "treatment": [
        "Medicin virker nu; samtaler hver 14. dag.",
        "Vent til medicinen virker (ca. 6 uger).",
        "Afventer udredning.",
    ],
    "employment": [
        "Praktik 10 timer/uge; opfølgning hver måned.",
        "Afklaring af arbejdsevne i gang.",
        "Jobsøgning med IPS.",
    ],
}
READY_NOTES = ["Klar til praktik med få timer", "Kan øge til 15 timer", "Klar til løntilskud"]
CONTACT_SUMMARIES = [
    "Opfølgning",
    "Aftalt praktikstart",
    "Status på medicin",
    "Møde med mentor",
    "Borger udeblev",
]
HANDOVER_NOTES = [
    "Overdraget ved omorganisering. Borger ønsker korte, konkrete aftaler.",
    "Overdraget ved sagsbehandlers orlov. Husk tolk ved møder.",
    "Flyttet til nyt team. Praktikken er godt i gang.",
]
CONSENT_PURPOSES = ["Koordinering af den fælles plan", "Samarbejde om behandling og job"]
# Meetings (001:2340–2590: purpose, working question, agenda by conversation area, decisions).
MEETING_PURPOSES = {
    "planning": "Lægge den fælles plan",
    "network": "Samle netværket om næste skridt",
    "three_party": "Afklare helbred og arbejdsevne sammen med egen læge",
    "follow_up": "Følge op på aftalerne i planen",
}
MEETING_QUESTIONS = [
    "Hvad skal der til for at borgeren kan starte i praktik?",
    "Hvordan hænger behandling og beskæftigelsesindsats sammen?",
    "Hvad er det næste realistiske skridt?",
]
AGENDA_ITEMS = [
    (1, "Ønsker for fremtiden"),
    (2, "Hverdagen lige nu"),
    (3, "Helbred og medicin"),
    (4, "Støtte fra psykiatrien"),
    (5, "Støtte fra jobcentret"),
]
DECISIONS = [
    ("Praktik", "Borgeren starter i praktik 10 timer om ugen", "Virksomhedskonsulent finder sted"),
    ("Behandling", "Forløbet i psykiatrien fortsætter", "Psykiatrien indkalder til samtale"),
    ("Mentor", "Mentor følger med til første møde", "Mentor aftaler tid med borgeren"),
    ("Helbred", "Status fra egen læge inden næste møde", "Sagsbehandler spørger lægen"),
    ("Hverdag", "Støttekontaktperson hjælper med struktur", "Kommunen bevilger støtte"),
]
MINUTES_SUMMARIES = [
    "Borgeren fortalte om de seneste måneder. Planen blev gennemgået punkt for punkt.",
    "Godt møde. Næste skridt er aftalt, og alle ved hvem der gør hvad.",
]
MESSAGE_TOPICS = [
    "Praktikstart",
    "Medicin",
    "Netværksmøde",
    "Status på forløb",
    "Sygemelding",
    "Udredning",
]
MESSAGE_TEXTS = [
    "Kære kollega. Borger er startet i praktik og har det godt. Kan I vurdere medicinen inden "
    "næste netværksmøde? Venlig hilsen",
    "Tak for henvendelsen. Vi har set borger i går; søvnen er bedre. Vi foreslår at øge "
    "praktikken til 12 timer om ugen. Mvh",
    "Hermed indkaldelse til netværksmøde torsdag kl. 10 i jobcentret. Borger ønsker, at "
    "kontaktpersonen deltager. Venlig hilsen",
    "Borger har meldt sig syg i denne uge. Vi kontakter jer igen, når vi ved mere. Mvh",
    "Vi afventer udredningen og vender tilbage med en vurdering af arbejdsevnen. Venlig hilsen",
]

_ALL_TEXT = [
    *GIVEN,
    *FAMILY,
    *STREETS,
    *PREFERENCES,
    *PHONE_HOURS,
    *FINAL_GOALS,
    *[t for pool in AREAS.values() for t in pool],
    *MENTOR_ROLES,
    *SUPPORT_ROLES,
    *FOLLOWUP_PLACES,
    FOLLOWUP_WITH,
    *[g[0] for g in GOALS],
    *GOAL_EVALUATIONS,
    *[t for a in ACTIVITIES for t in a],
    *ACTIVITY_EVALUATIONS,
    *[t for pool in TRACK_SUMMARIES.values() for t in pool],
    *READY_NOTES,
    *CONTACT_SUMMARIES,
    *HANDOVER_NOTES,
    *CONSENT_PURPOSES,
    *MEETING_PURPOSES.values(),
    *MEETING_QUESTIONS,
    *[t for _, t in AGENDA_ITEMS],
    *[t for d in DECISIONS for t in d],
    *MINUTES_SUMMARIES,
    *MESSAGE_TOPICS,
    *MESSAGE_TEXTS,
]
# The loader writes these strings into COPY text and JSON unescaped: keep them plain.
assert not any(c in t for t in _ALL_TEXT for c in '\\\t\n\r"'), "pool text needs escaping"
