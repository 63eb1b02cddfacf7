"""Segmentation cases: (article, expected sentences). Headline first, then the body."""

H = "Headline\n\n"

CASES = [
    # titles and abbreviations
    (H + "Mr. Zelensky arrived. He spoke.", ["Headline", "Mr. Zelensky arrived.", "He spoke."]),
    (H + "Ms. Kallas met Gen. Syrskyi. They talked.", ["Headline", "Ms. Kallas met Gen. Syrskyi.", "They talked."]),
    (
        H + "Mrs. May and Dr. Ruiz spoke. Then they left.",
        ["Headline", "Mrs. May and Dr. Ruiz spoke.", "Then they left."],
    ),
    (H + "Sen. Graham voted no. Rep. Smith voted yes.", ["Headline", "Sen. Graham voted no.", "Rep. Smith voted yes."]),
    (
        H + "Lt. Col. Petrenko confirmed it. Nothing else.",
        ["Headline", "Lt. Col. Petrenko confirmed it.", "Nothing else."],
    ),
    (
        H + "Gov. Shapiro visited the plant. Workers cheered.",
        ["Headline", "Gov. Shapiro visited the plant.", "Workers cheered."],
    ),
    (H + "Prof. Ilves disagreed. So did others.", ["Headline", "Prof. Ilves disagreed.", "So did others."]),
    (
        H + "The U.S. Senate passed it. Kyiv welcomed it.",
        ["Headline", "The U.S. Senate passed it.", "Kyiv welcomed it."],
    ),
    (H + "U.S. officials said so. Others disagreed.", ["Headline", "U.S. officials said so.", "Others disagreed."]),
    (
        H + "The U.K. and the E.U. agreed. Talks continue.",
        ["Headline", "The U.K. and the E.U. agreed.", "Talks continue."],
    ),
    # AP style: a legislator's party and state, cut by sentencex at their first stop
    (
        H + "Sen. Lindsey Graham, R-S.C., said the aid must pass. Others agreed.",
        ["Headline", "Sen. Lindsey Graham, R-S.C., said the aid must pass.", "Others agreed."],
    ),
    (
        H + "Majority Leader Chuck Schumer, D-N.Y., backed it. Then he left.",
        ["Headline", "Majority Leader Chuck Schumer, D-N.Y., backed it.", "Then he left."],
    ),
    (H + "He met John F. Kennedy. Then he left.", ["Headline", "He met John F. Kennedy.", "Then he left."]),
    (H + "Resolution No. 2 passed. It was binding.", ["Headline", "Resolution No. 2 passed.", "It was binding."]),
    (
        H + "Talks begin on Jan. 5 in Geneva. Both sides agreed.",
        ["Headline", "Talks begin on Jan. 5 in Geneva.", "Both sides agreed."],
    ),
    (
        H + "It ends on Sept. 30, officials said. Nobody objected.",
        ["Headline", "It ends on Sept. 30, officials said.", "Nobody objected."],
    ),
    (
        H + "They met on Feb. 24 and Mar. 3. Nothing changed.",
        ["Headline", "They met on Feb. 24 and Mar. 3.", "Nothing changed."],
    ),
    (
        H + "The vote came at 2 p.m. on Saturday. It passed.",
        ["Headline", "The vote came at 2 p.m. on Saturday.", "It passed."],
    ),
    (
        H + "Russia vs. Ukraine was the topic. Few attended.",
        ["Headline", "Russia vs. Ukraine was the topic.", "Few attended."],
    ),
    (H + "St. Petersburg hosted it. Putin spoke.", ["Headline", "St. Petersburg hosted it.", "Putin spoke."]),
    # numbers
    (
        H + "The package is worth $1.5 billion. It includes shells.",
        ["Headline", "The package is worth $1.5 billion.", "It includes shells."],
    ),
    (H + "Turnout was 62.3 percent. That is high.", ["Headline", "Turnout was 62.3 percent.", "That is high."]),
    (
        H + "Germany gave 28.5 billion euros. France gave less.",
        ["Headline", "Germany gave 28.5 billion euros.", "France gave less."],
    ),
    (H + "The bill passed 311-112. Senators cheered.", ["Headline", "The bill passed 311-112.", "Senators cheered."]),
    # quotes
    (
        H + '"We will not wait," said Mr. Zelensky. "The time is now."',
        ["Headline", '"We will not wait," said Mr. Zelensky.', '"The time is now."'],
    ),
    (
        H + 'He said: "This is the moment." Others nodded.',
        ["Headline", 'He said: "This is the moment."', "Others nodded."],
    ),
    (H + '"Send more," she said. "And send it now."', ["Headline", '"Send more," she said.', '"And send it now."']),
    (
        H + 'Orban called it "a mistake." Budapest agreed.',
        ["Headline", 'Orban called it "a mistake."', "Budapest agreed."],
    ),
    (H + '"Is this peace?" he asked. Nobody answered.', ["Headline", '"Is this peace?" he asked.', "Nobody answered."]),
    (H + 'They rejected it. "Never," said Peskov.', ["Headline", "They rejected it.", '"Never," said Peskov.']),
    # ellipses, questions, exclamations
    (H + "We waited... and waited. Nothing came.", ["Headline", "We waited... and waited.", "Nothing came."]),
    (H + "Is a deal close? Few think so.", ["Headline", "Is a deal close?", "Few think so."]),
    (H + "Enough! Send the jets. Now.", ["Headline", "Enough!", "Send the jets.", "Now."]),
    # headlines, datelines, bullets, paragraphs
    ("NATO leaders weigh invitation\n\nBody text here.", ["NATO leaders weigh invitation", "Body text here."]),
    ("Kyiv: 'We need air defence now'\n\nIt asked again.", ["Kyiv: 'We need air defence now'", "It asked again."]),
    (
        H + "KYIV, Dec 3 (Reuters) - Ukraine asked for more. Allies agreed.",
        ["Headline", "KYIV, Dec 3 (Reuters) - Ukraine asked for more.", "Allies agreed."],
    ),
    (
        H + "BRUSSELS (AP) -- Ministers met. They agreed.",
        ["Headline", "BRUSSELS (AP) -- Ministers met.", "They agreed."],
    ),
    (
        H + "- Air defence for Kharkiv\n- Shells for the east",
        ["Headline", "- Air defence for Kharkiv", "- Shells for the east"],
    ),
    (H + "* first point\n* second point", ["Headline", "* first point", "* second point"]),
    (H + "1. Ceasefire first\n2. Talks second", ["Headline", "1. Ceasefire first", "2. Talks second"]),
    (
        H + "A hard-wrapped\nsentence ends here. Next one.",
        ["Headline", "A hard-wrapped\nsentence ends here.", "Next one."],
    ),
    (H + "First paragraph.\n\nSecond paragraph.", ["Headline", "First paragraph.", "Second paragraph."]),
    (H + "One.\n\n\n\nTwo.", ["Headline", "One.", "Two."]),
    ("# Markdown headline\n\nBody.", ["Markdown headline", "Body."]),
    ("\n\n  Headline after blank lines  \n\nBody.", ["Headline after blank lines", "Body."]),
    ("Only a headline", ["Only a headline"]),
    ("", []),
    ("  \n\t\n", []),
]
