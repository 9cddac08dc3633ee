"""The raw material of demo data: who travels to Mallorca, where to, on what."""

# Nationalities of the island's visitors: given names, family names, country code,
# mobile prefixes and the digits that follow one.
TRAVELLERS = (
    (
        ("Oliver", "Amelia", "Harry", "Isla", "George", "Emily", "Jack", "Sophie", "Thomas", "Grace", "James", "Lucy"),
        ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hughes"),
        "+44",
        ("74", "75", "77", "78", "79"),
        8,
    ),
    (
        ("Lukas", "Anna", "Felix", "Lena", "Jonas", "Marie", "Paul", "Sophie", "Leon", "Hannah", "Maximilian", "Laura"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer"),
        "+49",
        ("151", "152", "160", "170", "176"),
        8,
    ),
    (
        ("Pau", "Laia", "Marc", "Júlia", "Jordi", "Marta", "Lucía", "Hugo", "Carmen", "Javier", "Elena", "Pablo"),
        ("García", "Martínez", "Fernández", "Serra", "Vidal", "Ferrer", "Pons", "Oliver", "Sánchez", "Rodríguez"),
        "+34",
        ("6", "7"),
        8,
    ),
    (
        ("Erik", "Sofia", "Lars", "Ingrid", "Mikkel", "Freja", "Oskar", "Astrid", "Nils", "Maja", "Henrik", "Elsa"),
        ("Andersson", "Johansson", "Hansen", "Nielsen", "Larsen", "Karlsson", "Berg", "Lindqvist", "Olsen"),
        "+46",
        ("70", "72", "73", "76"),
        7,
    ),
    (
        ("Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Bram", "Sara", "Finn", "Noor", "Ruben", "Fleur"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer"),
        "+31",
        ("6",),
        8,
    ),
    (
        ("Louis", "Chloé", "Gabriel", "Léa", "Hugo", "Manon", "Arthur", "Camille", "Jules", "Inès", "Nathan"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"),
        "+33",
        ("6", "7"),
        8,
    ),
)
# How often each nationality above books, in the same order.
TRAVELLER_WEIGHTS = (30, 28, 14, 10, 10, 8)
# Reserved for documentation (RFC 2606): demo mail never reaches a real inbox.
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

# Airline designators flying to PMI (IATA, or ICAO where an operator uses it).
AIRLINES = ("FR", "U2", "EZY", "VY", "UX", "IB", "EW", "DE", "LS", "BA", "LH", "X3", "DY", "HV", "KL", "SK", "TOM")

AIRPORT_ARRIVALS = (
    "PMI Airport, Terminal A arrivals",
    "PMI Airport, Terminal B arrivals",
    "PMI Airport, Terminal C arrivals",
    "PMI Airport, Terminal D arrivals",
)
AIRPORT_DEPARTURES = "PMI Airport, departures (Terminal A)"

# Hotels and where they are, with the usual drive from the airport in minutes.
HOTELS = (
    ("Hotel Almudaina Mar, Palma", 15),
    ("Hotel Palau del Born, Palma", 15),
    ("Hotel Portixol Blau, Palma", 12),
    ("Hotel Son Vida Golf, Palma", 25),
    ("Hotel Cala Major Suites, Cala Major", 20),
    ("Aparthotel Playa de Palma, S'Arenal", 10),
    ("Hotel Bahía Can Pastilla, Can Pastilla", 8),
    ("Hotel Illetas Mar, Illetes", 20),
    ("Hotel Costa Portals, Portals Nous", 25),
    ("Hotel Marina Puerto Portals, Portals Nous", 25),
    ("Hotel Palmanova Beach, Palmanova", 30),
    ("Aparthotel Magaluf Sol, Magaluf", 30),
    ("Hotel Santa Ponsa Bay, Santa Ponsa", 35),
    ("Hotel Port Andratx Marina, Port d'Andratx", 40),
    ("Hotel Tramuntana Valldemossa, Valldemossa", 35),
    ("Hotel Port de Sóller Mirador, Port de Sóller", 45),
    ("Hotel Deià Olivera, Deià", 50),
    ("Hotel Pollença Plaça, Pollença", 55),
    ("Hotel Cala Sant Vicenç Cove, Cala Sant Vicenç", 60),
    ("Hotel Port de Pollença Badia, Port de Pollença", 60),
    ("Hotel Alcúdia Platja, Port d'Alcúdia", 55),
    ("Aparthotel Playa de Muro Dunes, Playa de Muro", 50),
    ("Hotel Can Picafort Mar, Can Picafort", 50),
    ("Hotel Cala Ratjada Faro, Cala Ratjada", 70),
    ("Hotel Canyamel Golf, Canyamel", 70),
    ("Hotel Sa Coma Pins, Sa Coma", 60),
    ("Hotel Cala Millor Costa, Cala Millor", 60),
    ("Hotel Porto Cristo Drach, Porto Cristo", 55),
    ("Hotel Cala d'Or Marina, Cala d'Or", 50),
    ("Hotel Portopetro Calma, Portopetro", 55),
    ("Hotel Colònia Sant Jordi Es Trenc, Colònia de Sant Jordi", 45),
    ("Finca Son Gual, Sencelles", 30),
)

EXCURSIONS = (
    ("Valldemossa, Plaça de Cartoixa", 40),
    ("Sóller train station", 45),
    ("Cuevas del Drach, Porto Cristo", 60),
    ("Palma Cathedral, Parc de la Mar", 15),
    ("Formentor lighthouse viewpoint", 75),
    ("Palma cruise terminal (Estació Marítima)", 15),
    ("Golf Son Gual clubhouse", 20),
    ("Sa Calobra harbour", 80),
)

DRIVERS = (
    "Joan Ferrer", "Maria Pons", "Toni Oliver", "Xisca Vidal", "Miquel Serra", "Margalida Bauzà",
    "Pere Amengual", "Catalina Roig", "Biel Sastre", "Aina Mas", "Tomeu Font", "Llúcia Riera",
    "Jaume Coll", "Francina Crespí", "Guillem Reus", "Antònia Pujol", "Rafel Munar", "Neus Garau",
)

NOTES = (
    "Child seat needed (2 years old).",
    "Two golf bags.",
    "Wheelchair user, folding chair travels in the boot.",
    "Booster seat for a 6-year-old.",
    "Surfboard bag.",
    "Late arrival, please wait at the meeting point.",
    "Honeymoon couple: welcome sign with names.",
    "Extra luggage: bicycle boxes.",
)
