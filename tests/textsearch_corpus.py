"""Prose, queries and odd inputs for the text-search tests: what docs and searches look like, and their edges."""
import random

SENTENCES = [
    # Ordinary prose
    "The quick brown fox jumps over the lazy dog.",
    "A journey of a thousand miles begins with a single step.",
    "She sells seashells by the seashore, and the shells she sells are surely seashells.",
    "Running late again, he grabbed his keys and ran to the station.",
    "The committee's decision was announced on Tuesday afternoon.",
    "Our agents remember every conversation and learn from each one.",
    "Users can upload documents, search them, and delete them later.",
    "The weather forecast predicts heavy rain for the weekend.",
    "Cats are independent animals; dogs, on the other hand, crave attention.",
    "He was reading a book about the history of ancient Rome.",
    "The children were playing happily in the garden until sunset.",
    "Please remember to bring your passport and your boarding pass.",
    "The scientist carefully measured the temperature of the solution.",
    "Economic growth slowed considerably during the second quarter.",
    "I can't believe it's already December; where did the year go?",
    "They've been working on this project for more than three years.",
    "The museum's newest exhibition features paintings by local artists.",
    "Is it possible to travel faster than the speed of light?",
    "Her presentation was clear, concise, and remarkably persuasive.",
    "The old lighthouse stood alone on the rocky cliff.",
    "Mathematics is the language in which the universe is written.",
    "The engineers tested the bridge under extreme conditions.",
    "Fresh bread, warm coffee, and a quiet morning: pure happiness.",
    "Nobody expected the underdog team to win the championship.",
    "The library closes early on national holidays.",
    "Learning a new language requires patience and daily practice.",
    "The hikers followed the trail through the dense forest.",
    "Our quarterly report shows a significant increase in revenue.",
    "The orchestra performed Beethoven's ninth symphony beautifully.",
    "Photosynthesis converts sunlight into chemical energy.",
    "The detective examined the evidence with great care.",
    "A well-written introduction captures the reader's attention.",
    "Volunteers planted over two hundred trees in the park.",
    "The recipe calls for flour, sugar, eggs, and a pinch of salt.",
    "Astronomers discovered a new planet orbiting a distant star.",
    "The airport was crowded with travelers heading home for the holidays.",
    "Good communication is the foundation of every successful team.",
    "The students organized a fundraiser for the local shelter.",
    "He apologized for the misunderstanding and offered to help.",
    "The ancient manuscripts were stored in a climate-controlled room.",
    "Electric vehicles are becoming increasingly popular worldwide.",
    "The farmer harvested the wheat before the storm arrived.",
    "Reading before bed helps many people relax and sleep better.",
    "The startup raised funding to expand its operations abroad.",
    "Her grandmother told stories about growing up on a farm.",
    "The city council approved the new bicycle lanes downtown.",
    "Sharks have existed for hundreds of millions of years.",
    "The software update fixed several bugs and improved performance.",
    "Please read the instructions carefully before assembling the furniture.",
    "The painter mixed blue and yellow to create a vibrant green.",
    "Meditation can reduce stress and improve concentration.",
    "The volcano erupted, sending ash high into the atmosphere.",
    "Their wedding took place in a small chapel by the sea.",
    "The professor's lectures were always engaging and informative.",
    "Honeybees communicate through a complex dance.",
    "The negotiations ended without an agreement.",
    "A gentle breeze carried the scent of blooming flowers.",
    "The company announced layoffs affecting nearly five hundred employees.",
    "The marathon runners crossed the finish line exhausted but proud.",
    "Our neighbors adopted a playful puppy last week.",
    "The documentary explores the effects of climate change on polar bears.",
    "Every morning she jogs along the river before work.",
    "The jury deliberated for hours before reaching a verdict.",
    "Technology has transformed the way we communicate.",
    "The chef prepared an exquisite five-course meal.",
    "Rainforests are home to an astonishing variety of species.",
    "The pilot announced a short delay due to heavy traffic.",
    "He fixed the leaking faucet with a simple wrench.",
    "The novel's ending surprised even the most devoted readers.",
    "Wind turbines generate electricity from moving air.",
    "The kids built a sandcastle that the tide washed away.",
    "She organized her notes into neat, color-coded folders.",
    "Thunder rumbled in the distance as the clouds gathered.",
    "The museum offers free admission on the first Sunday of each month.",
    "Ancient Egyptians built the pyramids with remarkable precision.",
    "The mechanic replaced the worn brake pads.",
    "Clear goals help teams stay focused and motivated.",
    "The village celebrated its annual harvest festival.",
    "A balanced diet includes fruits, vegetables, and whole grains.",
    "The spacecraft entered orbit around Mars.",
    "He wrote a heartfelt letter to his childhood friend.",
    "The bakery sells out of croissants by nine o'clock.",
    "Scientists are studying how memories are formed and stored.",
    "The theater was packed for the opening night.",
    "Migratory birds travel thousands of kilometers each year.",
    "The printer ran out of ink in the middle of the report.",
    "Citizens lined up early to vote in the election.",
    "The garden was full of roses, tulips, and daffodils.",
    "Regular exercise strengthens the heart and lungs.",
    "The archaeologists uncovered pottery from the Bronze Age.",
    "Their conversation drifted from politics to philosophy.",
    "The server crashed under the unexpected load.",
    "Searching the archive returned hundreds of relevant documents.",
    "Documents about searching, searches and searchers were indexed.",
    "Organizing, organization, organized: the stemmer treats them alike.",
    "Running runners run; the runner ran.",
    "Generously generous generosity generated general generalizations.",
    "Happiness, happier, happiest, happily, happy.",
    "Connection, connections, connective, connected, connecting.",
    "Agreed, agreement, agreeable, agreeing, disagree.",
    "Relational, conditional, rational, valency, hesitancy.",
    "Digitizer, conformabli, radicalli, differentli, vileli.",
    "Analogousli, vietnamization, predication, operator, feudalism.",
    "Decisiveness, hopefulness, callousness, formaliti, sensitiviti.",
    "Triplicate, formative, formalize, electriciti, electrical.",
    "Hopeful, goodness, revival, allowance, inference, airliner.",
    "Gyroscopic, adjustable, defensible, irritant, replacement.",
    "Adjustment, dependent, adoption, homologou, communism.",
    "Activate, angulariti, homologous, effective, bowdlerize.",
    "Probate, rate, cease, controll, roll, skies, dying, lying, tying.",
    "News, innings, outing, canning, howe, proceed, exceed, succeed.",
    "Generically, consignment, consigned, consigning, knightly, knights.",
    # Apostrophes, quotes and dashes
    "Don't stop believing — it's only the beginning.",
    "It’s the user’s choice: “search” or “browse”.",
    "Rock ’n’ roll never dies; neither does jazz.",
    "The so-called \"experts\" were wrong, again.",
    "O'Brien and D'Angelo met at McDonald's.",
    "Wait... what? No!!! Really?!",
    "Twenty-one years later, the forty-two-year-old returned.",
    "A state-of-the-art, up-to-date, one-of-a-kind solution.",
    "The e-mail was sent by a co-worker in the U.S.A.",
    "Pre- and post-processing steps take time.",
    "Mother-in-law, passers-by, and jack-of-all-trades.",
    "Well--that was unexpected -- or was it?",
    "The --verbose flag and the -q option.",
    "Double-check the re-entry and de-icing procedures.",
    "Self-driving cars need well-tested, fail-safe software.",
    "The covid-19 pandemic changed work-from-home policies.",
    "An x-ray, a t-shirt, and a u-turn.",
    "Hyphens at the end- and start -of words.",
    # Numbers, versions, decimals
    "Version 2.4.1 fixes 17 bugs and adds 3 features.",
    "The price rose from $19.99 to $24.50 in 2023.",
    "About 1234567 people live there, roughly -1234567 fewer than claimed.",
    "Call 555-1234 or +1 800 555 0199 before 9am.",
    "Temperatures fell to -40 degrees, or -40.5 at night.",
    "Avogadro's number is 6.022e23; Planck's constant is 6.626E-34.",
    "Python 3.11.7 and PostgreSQL 15.18 were used.",
    "Room 101, floor 3, building B12, unit 4a.",
    "The score was 3-2 after 90 minutes and 2-1 at half time.",
    "Release v1.2.3-beta replaces 1.2.2 and 1.2.",
    "Numbers like 007, 0.5, .5, 5., 1e5 and 1,000,000 appear.",
    "The years 1999-2001 and the 1990s were different.",
    "IPv4 address 192.168.0.1 and port 8080 were blocked.",
    "3rd place, 2nd try, 1st prize, 21st century, 4x4 trucks.",
    "abc123 def456ghi 7up 9lives b2b.",
    "The ratio was 16:9, the time 10:30, the score 4:1.",
    "-1.2.3 and +5 and -7 and +3.14 and -0.25e-3.",
    # Web and code
    "Visit https://www.example.com/docs/search?q=fox&lang=en for details.",
    "Mail me at jane.doe@example.org or john_smith@mail.example.co.uk.",
    "The repository lives at http://github.com/julep-ai/julep.",
    "Open ftp://files.example.net/pub/readme.txt in a browser.",
    "See www.python.org, docs.python.org/3/library and pypi.org.",
    "The config is in /etc/postgresql/15/main/postgresql.conf.",
    "Run ./configure && make && sudo make install.",
    "Edit ~/.bashrc and ../relative/path/file.py carefully.",
    "The host db-01.internal:5432 answered slowly.",
    "Use snake_case_names and camelCaseNames in code.",
    "<p>Hello <b>bold</b> world</p><br/><!-- a comment -->",
    "<script>var hidden = 'secret';</script>Visible text after script.",
    "<style>.a { color: red; }</style>Styled text.",
    "Entities like &amp; &lt; &#169; &#x2014; and &nbsp; appear.",
    "An <a href=\"https://example.com\">anchor</a> inside text.",
    "Markdown: **bold**, _italic_, `code`, # heading, > quote.",
    "JSON {\"key\": \"value\", \"n\": 42} and arrays [1, 2, 3].",
    "user@localhost, a@b, x@y.z, first.last@sub.domain.com.",
    "http://localhost:8000/api/users?limit=10 returned 200.",
    "Paths: C:\\Windows\\System32 and /usr/local/bin/python3.",
    # Accents and other scripts
    "The café served crème brûlée and a naïve rosé.",
    "Señor Muñoz visited São Paulo and Zürich.",
    "Björk, Dvořák and Łukasz performed in Kraków.",
    "The résumé mentioned déjà vu and a façade.",
    "Ærøskøbing and Œuvre and straße and ﬁnancial ligatures.",
    "Ångström units and Øresund bridge.",
    "Naïve-ish, café-style, über-cool and jalapeño-flavored.",
    "The Greek letters α, β and γ; the word λόγος.",
    "Москва — столица России.",
    "東京は日本の首都です。",
    "مرحبا بالعالم",
    "Combining accents: cafe\u0301 and nai\u0308ve written decomposed.",
    "Non\u00a0breaking\u00a0spaces and\u2009thin spaces and\u3000ideographic ones.",
    "Zero\u200bwidth space and soft\u00adhyphen inside words.",
    "Emoji 😀 and symbols ™ © ® ° ± ½ ¼ after text.",
    "İstanbul and ISTANBUL and ΣΟΦΙΑ and ΣΑΣ.",
    "Full-width ＡＢＣ and ｄｅｆ letters.",
    # Stop words and short words
    "To be or not to be, that is the question.",
    "It is what it is, and that is all there is to it.",
    "I am here because you were there when we needed them.",
    "Of the people, by the people, for the people.",
    "A an the and or but if then else when where why how.",
    "x y z a b c i o u",
    # Whitespace and punctuation
    "   leading and trailing spaces   ",
    "tabs\tand\nnewlines\r\nand\x0bvertical\x0cfeeds",
    "commas,without,spaces;semicolons;too",
    "!!!???...,,,;;;:::",
    "(parentheses) [brackets] {braces} <angles>",
    "",
    " ",
    "word",
    "Title Case Words Like This",
    "ALL CAPS SHOUTING TEXT",
]

TITLES = [
    "Hello World", "Quarterly Report", "Meeting Notes", "Travel Plans", "Recipe: Lemon Cake", "README",
    "Search Guide", "Café Menu", "The Fox and the Dog", "2024 Budget v2.1", "", "Notes on searching",
    "Q&A: How to search?", "user-guide", "State-of-the-art models",
]

QUERIES = [
    "fox", "quick fox", "lazy dogs", "jumps", "jumping foxes", "the", "the and of", "", "   ",
    '"quick brown"', '"brown quick"', '"lazy dog"', '"the lazy dog"', '"jumps over the lazy dog"',
    '"a journey of a thousand miles"', '"of a"', '"the"', '""', '"', '"unterminated phrase',
    "fox or dog", "fox OR dog", "fox Or cat", "or", "or fox", "fox or", "fox or or dog", "fox oracle",
    "fox -dog", "-fox", "-fox -dog", "--fox", "- fox", "fox - dog", "fox -", "-", "-the", "fox -the",
    "search documents", "searching", "searcher", "searches", "search -document", '"search them"',
    "organization", "organize", "run", "runner", "happy", "happiness", "connect", "agree",
    "café", "cafe", "creme brulee", "naive", "naïve", "Zürich", "zurich", "straße", "strasse", "financial",
    "don't", "dont", "it's", "O'Brien", "mcdonald's", "user’s",
    "well-written", "well written", "state-of-the-art", '"state of the art"', "co-worker", "x-ray",
    "mother-in-law", "forty-two-year-old", "covid-19",
    "2.4.1", "17 bugs", "1234567", "123456", "-40", "6.022e23", "3.11.7", "v1.2.3-beta", "555-1234",
    "example.com", "www.example.com", "jane.doe@example.org", "https://www.example.com/docs/search",
    "/etc/postgresql/15/main/postgresql.conf", "db-01.internal:5432", "snake_case_names",
    "hello world", "bold", "secret", "hidden", "visible", "amp", "&amp;",
    "fox & dog", "fox | dog", "!fox", "fox <-> dog", "(fox dog)", "fox:*", "fox:A", "fox:b dog",
    "fox<2>dog", "<->", "&|!()", "fox)", "((fox", "fox!", "!!!", "a:b", ":fox", "fox:", "::",
    "λόγος", "Москва", "東京", "ISTANBUL", "istanbul", "ΣΑΣ", "σας",
    '"quick -brown"', '"quick or brown"', '"fox" "dog"', '"fox""dog"', 'fox"dog"', '"fox"dog',
    "quick brown fox jumps over lazy dog", "fox fox fox", '"fox fox"', "dog or -fox", "-fox or dog",
    "-(fox)", "- - - fox", "or or or", "the or the", '"the or the"', "quick -the brown",
    "fox\u00a0dog", "fox\u3000dog", "fox\u200bdog", "fox\tdog\nlazy",
    "organiz", "generous generosity", "hopeful", "replacement", "skies", "dying",
    "temperature", "temperatures", "measured temperature", '"measured the temperature"',
    "championship win", "underdog team", "rain weekend", "bridge conditions", "planet star",
    "local artists", '"local artists"', "music orchestra", "bread coffee", "language practice",
]

FOREIGN = {
    "french": [
        "Le renard brun rapide saute par-dessus le chien paresseux.",
        "Les enfants jouaient dans le jardin jusqu'au coucher du soleil.",
        "Nous avons cherché les documents dans les archives.",
        "l'été dernier, j'ai visité Montréal et Québec",
        '"le chien" ou -chat', "recherches documentaires", "aujourd'hui", "économie française",
    ],
    "german": [
        "Der schnelle braune Fuchs springt über den faulen Hund.",
        "Die Kinder spielten im Garten bis zum Sonnenuntergang.",
        "Straßenbahnhaltestelle und Donaudampfschifffahrtsgesellschaft",
        '"der Hund" oder -Katze', "Häuser Mäuse Bäume", "Übersetzung übersetzen",
    ],
    "spanish": [
        "El rápido zorro marrón salta sobre el perro perezoso.",
        "Los niños jugaban en el jardín hasta la puesta del sol.",
        '"el perro" or -gato', "canciones cantando cantaré", "año España niño",
    ],
    "italian": ["La volpe veloce salta sopra il cane pigro.", "città università perché", '"il cane" -gatto'],
    "portuguese": ["A rápida raposa marrom pula sobre o cão preguiçoso.", "informações ações coração"],
    "dutch": ["De snelle bruine vos springt over de luie hond.", "ontwikkelingen ontwikkeling"],
    "swedish": ["Den snabba bruna räven hoppar över den lata hunden.", "flickorna flickor"],
    "danish": ["Den hurtige brune ræv hopper over den dovne hund.", "København og Århus"],
    "norwegian": ["Den raske brune reven hopper over den late hunden.", "bøker og blåbær"],
    "finnish": ["Nopea ruskea kettu hyppää laiskan koiran yli.", "taloissa talossa talo"],
    "hungarian": ["A gyors barna róka átugrik a lusta kutyán.", "házakban házban"],
    "turkish": ["Hızlı kahverengi tilki tembel köpeğin üzerinden atlar.", "İstanbul'da ISTANBUL istanbul"],
    "russian": ["Быстрая коричневая лиса перепрыгивает через ленивую собаку.", "Москва столица России",
                "поиск документов english words too"],
    "greek": ["Η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο.", "ΣΟΦΙΑ σοφία λόγος"],
    "arabic": ["الثعلب البني السريع يقفز فوق الكلب الكسول", "مرحبا بالعالم"],
    "hindi": ["तेज़ भूरी लोमड़ी आलसी कुत्ते के ऊपर कूदती है।", "searching documents हिंदी"],
    "indonesian": ["Rubah coklat yang cepat melompati anjing malas.", "pemerintahan pemerintah"],
    "irish": ["Léim an sionnach donn gasta thar an madra leisciúil.", "na leabhair"],
    "lithuanian": ["Greita ruda lapė peršoka tingų šunį.", "knygos knygų"],
    "romanian": ["Vulpea maro rapidă sare peste câinele leneș.", "oamenii oameni"],
    "nepali": ["छिटो खैरो स्याल अल्छी कुकुरमाथि उफ्रन्छ।"],
    "tamil": ["விரைவான பழுப்பு நரி சோம்பேறி நாயின் மேல் குதிக்கிறது."],
    "armenian": ["Արագ շագանակագույն աղվեսը ցատկում է ծույլ շան վրայով։", "english words too"],
    "basque": ["Azeri marroi azkarrak txakur alferraren gainetik salto egiten du.", "etxeak etxean"],
    "catalan": ["La guineu marró ràpida salta per sobre del gos mandrós.", "cançons cançó"],
    "serbian": ["Брза смеђа лисица прескаче лењог пса.", "Brza smeđa lisica preskače lenjog psa."],
    "yiddish": ["דער שנעלער ברוינער פֿוקס שפּרינגט איבערן פֿוילן הונט"],
    "simple": ["The Quick Brown Foxes jumped", "running runners 1234567"],
}


def vocabulary():
    """The words of the corpus, for random queries."""
    words = set()
    for sentence in SENTENCES:
        words.update(w.strip(".,;:!?\"'()") for w in sentence.split())
    return sorted(w for w in words if w)


ODD = ['"', "-", " or ", " OR ", "(", ")", "!", "&", "|", "<->", ":", "*", "'", ",", ".", "--", " - ", "\u00a0",
       "<2>", "\\", "@", "/", "é", "’", "_", "  "]


def random_query(rng):
    """A websearch query of corpus words, operators and odd characters."""
    words = vocabulary()
    parts = []
    for _ in range(rng.randint(1, 6)):
        roll = rng.random()
        if roll < 0.55:
            parts.append(rng.choice(words))
        elif roll < 0.7:
            parts.append('"' + " ".join(rng.choice(words) for _ in range(rng.randint(1, 4))) + '"')
        elif roll < 0.8:
            parts.append("-" + rng.choice(words))
        elif roll < 0.88:
            parts.append("or")
        else:
            parts.append(rng.choice(ODD))
    glue = rng.choice([" ", " ", " ", "", "  "])
    return glue.join(parts)


def random_text(rng):
    """Two to four corpus sentences, sometimes cut or glued without spaces."""
    text = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.2:
        cut = rng.randrange(len(text) + 1)
        text = text[:cut] + rng.choice(ODD) + text[cut:]
    return text


def random_cases(seed, count):
    rng = random.Random(seed)
    return [random_text(rng) for _ in range(count)], [random_query(rng) for _ in range(count)]


SOUP_CHARACTERS = list("aAbBeExXzZ019.-_@:/~&#;<>!?'\"=\\%+*|() \t\n") + [
    " ", "é", "ß", "Ω", "я", "\u0301", "\u00a0", "\u3000", "ﬁ", "Æ", "漢", "٣", "\u093e", "\u200b"]
SOUP_PIECES = [
    "http://", "https://", "www.", ".com", ".org", "/path", "~/", "../", "./", "<a href='x'>", "</a>", "<!--", "-->",
    "<script>", "</script>", "<br/>", "&amp;", "&#123;", "&#x1F;", "1.2.3", "-1.5", "+3", "1e5", "2E-3", "user@",
    "@host.com", ":8080", "foo-bar", "-", "--", "v1.2", "and", "the", "Or", " or ", '"', "a_b", "x.y.z", "-1.2.3",
    "<?xml ", "<!DOCTYPE x>", "\\'", "'\"\\"]


def random_soup(rng):
    """Characters and fragments the parser's rarer states (hosts, paths, tags, entities, numbers) react to."""
    return "".join(rng.choice(SOUP_PIECES) if rng.random() < 0.3 else rng.choice(SOUP_CHARACTERS)
                   for _ in range(rng.randint(0, 40)))
