"""The default grid of METHODOLOGY §3: per channel, (code, weight, French label, English label)."""

DEFAULT_GRID: dict[str, list[tuple[str, int, str, str]]] = {
    "phone": [
        ("ivr_ease", 1, "Facilité du serveur vocal", "Ease of the voice menu"),
        ("wait_time", 2, "Temps d'attente", "Waiting time"),
        ("greeting", 1, "Accueil", "Greeting"),
        ("identification", 1, "Identification", "Identification"),
        ("listening", 2, "Écoute", "Listening"),
        ("courtesy", 1, "Courtoisie", "Courtesy"),
        ("empathy", 1, "Empathie", "Empathy"),
        ("reformulation", 1, "Reformulation", "Rephrasing"),
        ("answer_accuracy", 3, "Exactitude de la réponse", "Accuracy of the answer"),
        ("answer_completeness", 2, "Complétude de la réponse", "Completeness of the answer"),
        ("personalisation", 2, "Personnalisation", "Personalisation"),
        ("proactivity", 1, "Proactivité", "Proactivity"),
        ("language_quality", 1, "Qualité de langage", "Quality of language"),
        ("closing", 1, "Prise de congé", "Closing"),
        ("overall_impression", 1, "Impression générale", "Overall impression"),
    ],
    "email": [
        ("form_ease", 1, "Facilité du formulaire", "Ease of the form"),
        ("acknowledgement", 1, "Accusé de réception", "Acknowledgement"),
        ("response_delay", 2, "Délai de réponse", "Response delay"),
        ("greeting", 1, "Formule d'appel", "Greeting"),
        ("personalisation", 2, "Personnalisation", "Personalisation"),
        ("reformulation", 1, "Reformulation", "Rephrasing"),
        ("answer_accuracy", 3, "Exactitude de la réponse", "Accuracy of the answer"),
        ("answer_completeness", 2, "Complétude de la réponse", "Completeness of the answer"),
        ("clarity", 1, "Clarté", "Clarity"),
        ("spelling", 1, "Orthographe", "Spelling"),
        ("courtesy", 1, "Courtoisie", "Courtesy"),
        ("proactivity", 1, "Proactivité", "Proactivity"),
        ("signature", 1, "Signature", "Signature"),
        ("overall_impression", 1, "Impression générale", "Overall impression"),
    ],
    "web": [
        ("findability", 2, "Accessibilité de l'information", "Findability"),
        ("navigation", 1, "Navigation", "Navigation"),
        ("info_accuracy", 3, "Exactitude de l'information", "Accuracy of the information"),
        ("info_completeness", 2, "Complétude de l'information", "Completeness of the information"),
        ("contact_visibility", 1, "Visibilité des contacts", "Visibility of contact options"),
        ("faq_quality", 1, "Qualité de la FAQ", "Quality of the FAQ"),
        ("self_service", 1, "Selfcare", "Self-service"),
        ("accessibility", 1, "Accessibilité", "Accessibility"),
        ("mobile_rendering", 1, "Affichage mobile", "Mobile rendering"),
        ("load_speed", 1, "Vitesse de chargement", "Loading speed"),
    ],
    "chat": [
        ("availability", 2, "Disponibilité", "Availability"),
        ("wait_time", 2, "Temps d'attente", "Waiting time"),
        ("greeting", 1, "Accueil", "Greeting"),
        ("listening", 1, "Écoute", "Listening"),
        ("answer_accuracy", 3, "Exactitude de la réponse", "Accuracy of the answer"),
        ("answer_completeness", 2, "Complétude de la réponse", "Completeness of the answer"),
        ("personalisation", 2, "Personnalisation", "Personalisation"),
        ("courtesy", 1, "Courtoisie", "Courtesy"),
        ("language_quality", 1, "Qualité de langage", "Quality of language"),
        ("resolution", 2, "Résolution", "Resolution"),
        ("closing", 1, "Prise de congé", "Closing"),
        ("transcript", 1, "Transcription", "Transcript"),
    ],
    "social": [
        ("response_delay", 2, "Délai de réponse", "Response delay"),
        ("tone", 1, "Ton", "Tone"),
        ("personalisation", 2, "Personnalisation", "Personalisation"),
        ("answer_accuracy", 3, "Exactitude de la réponse", "Accuracy of the answer"),
        ("answer_completeness", 2, "Complétude de la réponse", "Completeness of the answer"),
        ("private_handover", 1, "Passage en message privé", "Handover to private messages"),
        ("courtesy", 1, "Courtoisie", "Courtesy"),
        ("language_quality", 1, "Qualité de langage", "Quality of language"),
        ("follow_up", 1, "Suivi", "Follow-up"),
        ("closing", 1, "Prise de congé", "Closing"),
    ],
}


def default_grid(language: str = "fr") -> dict[str, list[dict]]:
    """The default grid as {channel: [{"code", "label", "labels", "weight"}]}: ``label`` in the edition's
    language, ``labels`` in both ({"fr", "en"})."""
    pick = 2 if language == "fr" else 3
    return {
        channel: [
            {"code": row[0], "weight": row[1], "label": row[pick], "labels": {"fr": row[2], "en": row[3]}}
            for row in rows
        ]
        for channel, rows in DEFAULT_GRID.items()
    }
