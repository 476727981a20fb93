"""Synthetic news corpus with planted exact duplicates, near duplicates and hard negatives.

Everything is generated from small word lists written for this file (no copied text). A "story"
is built from sentence templates around an *event* (a few people, places and topic phrases), so
two stories about the same event share names, places and even a quoted sentence without being
copies: those are the hard negatives. Near duplicates are syndicated copies of a story: another
dateline or byline, an intro line, a site boilerplate tail, truncation, light copy-editing.

Importable (`generate_corpus`, `make_story`, `VARIANTS`) and runnable:

    python bench/synthetic.py --n 10000 --out bench/out/synth        # docs.jsonl + truth.jsonl
    python bench/synthetic.py --n 200 --out bench/out/synth --txt    # also one .txt per doc

truth.jsonl has one line per planted pair: {"a", "b", "kind"} with kind "exact", "near:<variant>"
or "hard_negative"; docs.jsonl lines carry "cluster" (all docs of a cluster are duplicates of each
other), "lang", "date" and "variant".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


def _w(s: str) -> list[str]:
    return [x.strip() for x in s.split("|") if x.strip()]


@dataclass(frozen=True)
class Lexicon:
    subjects: list[str]
    verbs: list[str]
    objects: list[str]
    places: list[str]
    times: list[str]
    connectors: list[str]
    roles: list[str]
    said: str  # "{quote}," said {name}, {role}.
    agencies: list[str]
    byline: str
    intros: list[str]
    tails: list[str]
    more: str


LEX: dict[str, Lexicon] = {
    "en": Lexicon(
        subjects=_w(
            "The government|The city council|Local officials|The ministry|Police|The company"
            "|Union leaders|The regional authority|Investors|The opposition party"
            "|Residents of the area|Health workers|The central bank|Farmers|Teachers"
            "|The board of directors|Prosecutors|Emergency services|Several hospitals"
            "|A group of scientists"
        ),
        verbs=_w(
            "announced new plans for|warned about|agreed to review|rejected a proposal on"
            "|said it would invest in|called for an inquiry into|postponed the vote on"
            "|raised concerns over|began talks about|published a report on|approved funding for"
            "|criticised the handling of|promised to improve|launched a campaign against"
            "|reported a sharp rise in|cut spending on|expressed support for|filed a complaint about"
        ),
        objects=_w(
            "the railway network|housing prices|the water supply|public schools"
            "|energy costs|the new bridge|waiting times at hospitals|local businesses"
            "|the fishing industry|air pollution|the national budget|road safety"
            "|the football stadium|online fraud|youth unemployment|the harbour expansion"
            "|wildfire prevention|the pension system|broadband access|the airport terminal"
        ),
        places=_w(
            "in the capital|across the northern region|near the coast|in several provinces"
            "|in the old town|along the river valley|in rural districts|at the border"
            "|in the industrial suburbs|on the island"
        ),
        times=_w(
            "on Monday|on Tuesday|earlier this week|last month|on Friday evening"
            "|after a long meeting|late on Wednesday|this morning|over the weekend|in recent days"
        ),
        connectors=_w("while|although|because|after|before|as|even though|since"),
        roles=_w(
            "a spokesperson for the ministry|the mayor|a senior analyst|the union chairman"
            "|a local resident|the chief executive|an economics professor|the police chief"
        ),
        said='"{quote}," said {name}, {role}.',
        agencies=_w("Reuters|AP|AFP|Wire Service|Press Association"),
        byline="By {name}",
        intros=_w(
            "This story was first published by our partner newsroom."
            "|Editor's note: this article has been updated with new figures."
            "|Listen to this article in our app."
        ),
        tails=_w(
            "Sign up for our daily newsletter to get the top stories in your inbox."
            "|Copyright 2026. All rights reserved. This material may not be published or redistributed."
            "|Share this article on social media|Related: more stories from the region"
            "|Follow us for breaking news and live updates.|Comments are closed for this article."
        ),
        more="Read the full story on our website.",
    ),
    "de": Lexicon(
        subjects=_w(
            "Die Bundesregierung|Der Stadtrat|Die örtlichen Behörden|Das Ministerium"
            "|Die Polizei|Das Unternehmen|Die Gewerkschaft|Die Landesregierung|Die Anleger"
            "|Die Opposition|Die Anwohner|Das Pflegepersonal|Die Zentralbank|Die Landwirte"
            "|Die Lehrkräfte|Der Vorstand|Die Staatsanwaltschaft|Die Rettungsdienste"
        ),
        verbs=_w(
            "kündigte neue Pläne an für|warnte vor|will prüfen|lehnte einen Vorschlag ab zu"
            "|will investieren in|forderte eine Untersuchung über|verschob die Abstimmung über"
            "|äußerte Bedenken wegen|begann Gespräche über|veröffentlichte einen Bericht über"
            "|bewilligte Geld für|kritisierte den Umgang mit|versprach Verbesserungen bei"
            "|meldete einen starken Anstieg bei|kürzte die Ausgaben für"
        ),
        objects=_w(
            "das Schienennetz|die Mietpreise|die Wasserversorgung|die öffentlichen Schulen"
            "|die Energiekosten|die neue Brücke|die Wartezeiten in Krankenhäusern"
            "|den Einzelhandel|die Fischerei|die Luftverschmutzung|den Haushalt"
            "|die Verkehrssicherheit|das Stadion|den Betrug im Internet|die Jugendarbeitslosigkeit"
            "|den Ausbau des Hafens|die Rentenversicherung|den Flughafen"
        ),
        places=_w(
            "in der Hauptstadt|im Norden des Landes|an der Küste|in mehreren Bundesländern"
            "|in der Altstadt|im Flusstal|auf dem Land|an der Grenze|in den Vororten|auf der Insel"
        ),
        times=_w(
            "am Montag|am Dienstag|Anfang dieser Woche|im vergangenen Monat|am Freitagabend"
            "|nach einer langen Sitzung|am späten Mittwoch|heute Morgen|am Wochenende|in den letzten Tagen"
        ),
        connectors=_w("während|obwohl|weil|nachdem|bevor|da|seit"),
        roles=_w(
            "ein Sprecher des Ministeriums|die Bürgermeisterin|ein Analyst|der Gewerkschaftschef"
            "|eine Anwohnerin|der Vorstandschef|eine Professorin für Wirtschaft|der Polizeipräsident"
        ),
        said="„{quote}“, sagte {name}, {role}.",
        agencies=_w("dpa|AFP|Reuters|epd"),
        byline="Von {name}",
        intros=_w(
            "Dieser Artikel erschien zuerst bei unserem Partnerportal."
            "|Hinweis der Redaktion: Der Text wurde mit neuen Zahlen aktualisiert."
        ),
        tails=_w(
            "Melden Sie sich für unseren Newsletter an und erhalten Sie die wichtigsten Nachrichten."
            "|Alle Rechte vorbehalten. Vervielfältigung nur mit Genehmigung."
            "|Artikel teilen|Mehr Nachrichten aus der Region|Die Kommentarfunktion ist geschlossen."
        ),
        more="Den ganzen Artikel lesen Sie auf unserer Webseite.",
    ),
    "fr": Lexicon(
        subjects=_w(
            "Le gouvernement|Le conseil municipal|Les autorités locales|Le ministère"
            "|La police|L'entreprise|Les syndicats|La région|Les investisseurs"
            "|L'opposition|Les habitants du quartier|Le personnel soignant|La banque centrale"
            "|Les agriculteurs|Les enseignants|Le conseil d'administration|Le parquet"
        ),
        verbs=_w(
            "a annoncé de nouveaux projets pour|a mis en garde contre|a accepté de revoir"
            "|a rejeté une proposition sur|va investir dans|a demandé une enquête sur"
            "|a reporté le vote sur|s'inquiète de|a entamé des discussions sur"
            "|a publié un rapport sur|a approuvé le financement de|a critiqué la gestion de"
            "|a promis d'améliorer|a signalé une forte hausse de|a réduit les dépenses pour"
        ),
        objects=_w(
            "le réseau ferroviaire|les prix du logement|l'approvisionnement en eau"
            "|les écoles publiques|les coûts de l'énergie|le nouveau pont"
            "|les délais d'attente à l'hôpital|les commerces de proximité|la pêche"
            "|la pollution de l'air|le budget de l'État|la sécurité routière|le stade"
            "|la fraude en ligne|le chômage des jeunes|l'extension du port|le système des retraites"
        ),
        places=_w(
            "dans la capitale|dans le nord du pays|sur la côte|dans plusieurs départements"
            "|dans la vieille ville|dans la vallée|dans les zones rurales|à la frontière"
            "|en banlieue|sur l'île"
        ),
        times=_w(
            "lundi|mardi|en début de semaine|le mois dernier|vendredi soir"
            "|après une longue réunion|mercredi soir|ce matin|ce week-end|ces derniers jours"
        ),
        connectors=_w("alors que|bien que|parce que|après que|avant que|puisque|tandis que"),
        roles=_w(
            "porte-parole du ministère|la maire|analyste financier|le dirigeant syndical"
            "|une habitante|le directeur général|professeure d'économie|le préfet de police"
        ),
        said="« {quote} », a déclaré {name}, {role}.",
        agencies=_w("AFP|Reuters|AP"),
        byline="Par {name}",
        intros=_w(
            "Cet article a d'abord été publié par notre partenaire."
            "|Note de la rédaction : cet article a été mis à jour."
        ),
        tails=_w(
            "Inscrivez-vous à notre lettre d'information pour recevoir l'essentiel de l'actualité."
            "|Tous droits réservés. Reproduction interdite sans autorisation."
            "|Partager cet article|À lire aussi : nos autres articles sur la région"
        ),
        more="Lire la suite sur notre site.",
    ),
    "es": Lexicon(
        subjects=_w(
            "El Gobierno|El ayuntamiento|Las autoridades locales|El ministerio"
            "|La policía|La empresa|Los sindicatos|El gobierno regional|Los inversores"
            "|La oposición|Los vecinos del barrio|El personal sanitario|El banco central"
            "|Los agricultores|Los profesores|El consejo de administración|La fiscalía"
        ),
        verbs=_w(
            "anunció nuevos planes para|advirtió sobre|aceptó revisar|rechazó una propuesta sobre"
            "|invertirá en|pidió una investigación sobre|aplazó la votación sobre"
            "|expresó su preocupación por|inició conversaciones sobre|publicó un informe sobre"
            "|aprobó fondos para|criticó la gestión de|prometió mejorar|denunció un fuerte aumento de"
            "|recortó el gasto en"
        ),
        objects=_w(
            "la red ferroviaria|el precio de la vivienda|el suministro de agua"
            "|las escuelas públicas|los costes de la energía|el nuevo puente"
            "|las listas de espera en los hospitales|el comercio local|la pesca"
            "|la contaminación del aire|los presupuestos del Estado|la seguridad vial|el estadio"
            "|el fraude en internet|el paro juvenil|la ampliación del puerto|el sistema de pensiones"
        ),
        places=_w(
            "en la capital|en el norte del país|en la costa|en varias provincias"
            "|en el casco antiguo|en el valle del río|en las zonas rurales|en la frontera"
            "|en la periferia|en la isla"
        ),
        times=_w(
            "el lunes|el martes|a principios de semana|el mes pasado|el viernes por la noche"
            "|tras una larga reunión|el miércoles por la noche|esta mañana|durante el fin de semana"
            "|en los últimos días"
        ),
        connectors=_w("mientras|aunque|porque|después de que|antes de que|ya que"),
        roles=_w(
            "portavoz del ministerio|la alcaldesa|un analista|el líder sindical"
            "|una vecina|el consejero delegado|una profesora de economía|el jefe de policía"
        ),
        said="«{quote}», dijo {name}, {role}.",
        agencies=_w("EFE|Europa Press|Reuters|AFP"),
        byline="Por {name}",
        intros=_w(
            "Este artículo se publicó originalmente en un medio asociado."
            "|Nota de la redacción: el texto se ha actualizado con nuevos datos."
        ),
        tails=_w(
            "Suscríbete a nuestro boletín para recibir las noticias más importantes."
            "|Todos los derechos reservados. Prohibida su reproducción."
            "|Compartir este artículo|Más noticias de la región"
        ),
        more="Lea la noticia completa en nuestra web.",
    ),
    "it": Lexicon(
        subjects=_w(
            "Il governo|Il consiglio comunale|Le autorità locali|Il ministero"
            "|La polizia|L'azienda|I sindacati|La regione|Gli investitori"
            "|L'opposizione|Gli abitanti del quartiere|Il personale sanitario|La banca centrale"
            "|Gli agricoltori|Gli insegnanti|Il consiglio di amministrazione|La procura"
        ),
        verbs=_w(
            "ha annunciato nuovi piani per|ha messo in guardia su|ha accettato di rivedere"
            "|ha respinto una proposta su|investirà nel settore de|ha chiesto un'indagine su"
            "|ha rinviato il voto su|ha espresso preoccupazione per|ha avviato colloqui su"
            "|ha pubblicato un rapporto su|ha approvato i fondi per|ha criticato la gestione di"
            "|ha promesso di migliorare|ha segnalato un forte aumento de|ha tagliato la spesa per"
        ),
        objects=_w(
            "la rete ferroviaria|i prezzi delle case|la fornitura di acqua|le scuole pubbliche"
            "|i costi dell'energia|il nuovo ponte|i tempi di attesa negli ospedali"
            "|i negozi di quartiere|la pesca|l'inquinamento dell'aria|il bilancio dello Stato"
            "|la sicurezza stradale|lo stadio|le truffe online|la disoccupazione giovanile"
            "|l'ampliamento del porto|il sistema pensionistico"
        ),
        places=_w(
            "nella capitale|nel nord del paese|sulla costa|in diverse province"
            "|nel centro storico|nella valle del fiume|nelle zone rurali|al confine"
            "|in periferia|sull'isola"
        ),
        times=_w(
            "lunedì|martedì|all'inizio della settimana|il mese scorso|venerdì sera"
            "|dopo una lunga riunione|mercoledì sera|questa mattina|nel fine settimana"
            "|negli ultimi giorni"
        ),
        connectors=_w("mentre|sebbene|perché|dopo che|prima che|poiché"),
        roles=_w(
            "portavoce del ministero|la sindaca|un analista|il segretario del sindacato"
            "|una residente|l'amministratore delegato|una docente di economia|il questore"
        ),
        said="«{quote}», ha detto {name}, {role}.",
        agencies=_w("ANSA|Adnkronos|Reuters"),
        byline="Di {name}",
        intros=_w("Questo articolo è stato pubblicato per la prima volta da un nostro partner."),
        tails=_w(
            "Iscriviti alla nostra newsletter per ricevere le notizie principali."
            "|Riproduzione riservata. Tutti i diritti sono riservati."
            "|Condividi questo articolo|Altre notizie dalla regione"
        ),
        more="Leggi l'articolo completo sul nostro sito.",
    ),
    "nl": Lexicon(
        subjects=_w(
            "De regering|De gemeenteraad|De lokale autoriteiten|Het ministerie"
            "|De politie|Het bedrijf|De vakbonden|De provincie|Beleggers"
            "|De oppositie|Bewoners van de wijk|Het zorgpersoneel|De centrale bank"
            "|De boeren|De leraren|De raad van bestuur|Het openbaar ministerie"
        ),
        verbs=_w(
            "kondigde nieuwe plannen aan voor|waarschuwde voor|stemde in met een herziening van"
            "|wees een voorstel af over|gaat investeren in|vroeg om een onderzoek naar"
            "|stelde de stemming uit over|uitte zorgen over|begon gesprekken over"
            "|publiceerde een rapport over|keurde geld goed voor|bekritiseerde de aanpak van"
            "|beloofde verbeteringen voor|meldde een sterke stijging van|bezuinigde op"
        ),
        objects=_w(
            "het spoornetwerk|de huizenprijzen|de watervoorziening|de openbare scholen"
            "|de energiekosten|de nieuwe brug|de wachttijden in ziekenhuizen"
            "|de lokale winkels|de visserij|de luchtvervuiling|de rijksbegroting"
            "|de verkeersveiligheid|het stadion|fraude op internet|de jeugdwerkloosheid"
            "|de uitbreiding van de haven|het pensioenstelsel"
        ),
        places=_w(
            "in de hoofdstad|in het noorden van het land|aan de kust|in meerdere provincies"
            "|in de binnenstad|in het rivierengebied|op het platteland|aan de grens"
            "|in de buitenwijken|op het eiland"
        ),
        times=_w(
            "op maandag|op dinsdag|begin deze week|vorige maand|op vrijdagavond"
            "|na een lange vergadering|woensdagavond laat|vanochtend|in het weekend"
            "|de afgelopen dagen"
        ),
        connectors=_w("terwijl|hoewel|omdat|nadat|voordat|aangezien"),
        roles=_w(
            "een woordvoerder van het ministerie|de burgemeester|een analist|de vakbondsleider"
            "|een bewoonster|de directeur|een hoogleraar economie|de korpschef"
        ),
        said="'{quote}', zei {name}, {role}.",
        agencies=_w("ANP|Reuters|Belga"),
        byline="Door {name}",
        intros=_w("Dit artikel verscheen eerder bij een van onze partners."),
        tails=_w(
            "Meld je aan voor onze nieuwsbrief en ontvang het belangrijkste nieuws."
            "|Alle rechten voorbehouden.|Deel dit artikel|Meer nieuws uit de regio"
        ),
        more="Lees het hele artikel op onze website.",
    ),
    "pt": Lexicon(
        subjects=_w(
            "O governo|A câmara municipal|As autoridades locais|O ministério"
            "|A polícia|A empresa|Os sindicatos|O governo regional|Os investidores"
            "|A oposição|Os moradores do bairro|Os profissionais de saúde|O banco central"
            "|Os agricultores|Os professores|O conselho de administração|O Ministério Público"
        ),
        verbs=_w(
            "anunciou novos planos para|alertou sobre|aceitou rever|rejeitou uma proposta sobre"
            "|vai investir em|pediu uma investigação sobre|adiou a votação sobre"
            "|manifestou preocupação com|iniciou conversações sobre|publicou um relatório sobre"
            "|aprovou verbas para|criticou a gestão de|prometeu melhorar|registou um forte aumento de"
            "|cortou as despesas com"
        ),
        objects=_w(
            "a rede ferroviária|os preços da habitação|o abastecimento de água"
            "|as escolas públicas|os custos da energia|a nova ponte"
            "|os tempos de espera nos hospitais|o comércio local|a pesca"
            "|a poluição do ar|o orçamento do Estado|a segurança rodoviária|o estádio"
            "|as burlas na internet|o desemprego jovem|a expansão do porto|o sistema de pensões"
        ),
        places=_w(
            "na capital|no norte do país|no litoral|em vários distritos"
            "|no centro histórico|no vale do rio|nas zonas rurais|na fronteira"
            "|nos subúrbios|na ilha"
        ),
        times=_w(
            "na segunda-feira|na terça-feira|no início da semana|no mês passado"
            "|na sexta-feira à noite|depois de uma longa reunião|na quarta-feira à noite"
            "|esta manhã|durante o fim de semana|nos últimos dias"
        ),
        connectors=_w("enquanto|embora|porque|depois de|antes de|uma vez que"),
        roles=_w(
            "porta-voz do ministério|a presidente da câmara|um analista|o dirigente sindical"
            "|uma moradora|o presidente executivo|uma professora de economia|o comandante da polícia"
        ),
        said='"{quote}", disse {name}, {role}.',
        agencies=_w("Lusa|Reuters|Agência Brasil"),
        byline="Por {name}",
        intros=_w("Este artigo foi publicado originalmente por um parceiro."),
        tails=_w(
            "Subscreva a nossa newsletter para receber as principais notícias."
            "|Todos os direitos reservados.|Partilhar este artigo|Mais notícias da região"
        ),
        more="Leia o artigo completo no nosso site.",
    ),
    "ru": Lexicon(
        subjects=_w(
            "Правительство|Городской совет|Местные власти|Министерство|Полиция"
            "|Компания|Профсоюзы|Региональные власти|Инвесторы|Оппозиция"
            "|Жители района|Медицинские работники|Центральный банк|Фермеры|Учителя"
            "|Совет директоров|Прокуратура"
        ),
        verbs=_w(
            "объявило о новых планах по поводу|предупредило о проблемах, связанных с"
            "|согласилось пересмотреть|отклонило предложение о|намерено инвестировать в"
            "|потребовало расследования в отношении|отложило голосование по вопросу о"
            "|выразило обеспокоенность ситуацией вокруг|начало переговоры о"
            "|опубликовало доклад о|одобрило финансирование для|раскритиковало подход к"
            "|пообещало улучшить|сообщило о резком росте|сократило расходы на"
        ),
        objects=_w(
            "железнодорожной сети|цен на жильё|водоснабжения|государственных школ"
            "|стоимости энергии|нового моста|очередей в больницах|местного бизнеса"
            "|рыболовства|загрязнения воздуха|государственного бюджета|безопасности на дорогах"
            "|стадиона|мошенничества в интернете|безработицы среди молодёжи|расширения порта"
            "|пенсионной системы"
        ),
        places=_w(
            "в столице|на севере страны|на побережье|в нескольких областях|в старом городе"
            "|в долине реки|в сельских районах|на границе|в пригородах|на острове"
        ),
        times=_w(
            "в понедельник|во вторник|в начале недели|в прошлом месяце|в пятницу вечером"
            "|после долгого заседания|в среду вечером|сегодня утром|в выходные|в последние дни"
        ),
        connectors=_w("пока|хотя|потому что|после того как|прежде чем|поскольку"),
        roles=_w(
            "представитель министерства|мэр города|аналитик|глава профсоюза"
            "|местная жительница|генеральный директор|профессор экономики|начальник полиции"
        ),
        said="«{quote}», — сказал {name}, {role}.",
        agencies=_w("ТАСС|Интерфакс|РИА Новости"),
        byline="Автор: {name}",
        intros=_w("Эта статья впервые опубликована нашим партнёром."),
        tails=_w(
            "Подпишитесь на нашу рассылку, чтобы получать главные новости."
            "|Все права защищены.|Поделиться статьёй|Другие новости региона"
        ),
        more="Читайте полную версию на нашем сайте.",
    ),
}

LANG_WEIGHTS = {
    "en": 0.5,
    "de": 0.08,
    "fr": 0.08,
    "es": 0.08,
    "it": 0.07,
    "nl": 0.06,
    "pt": 0.06,
    "ru": 0.07,
}

_SYL = _w("ka|ro|mi|sa|len|dor|vi|ta|ne|bas|el|ran|tu|lo|mar|in|ber|go|sel|ha|no|dra|ki|ve")
_CITIES = _w(
    "Norburg|Kestoria|Valmira|Ostend Bay|Port Arvel|San Teluro|Dravik|Lumenfeld|Corvasse"
    "|Elvora|Brisko|Talhaven"
)


def _name(rng: random.Random) -> str:
    def part() -> str:
        s = "".join(rng.choice(_SYL) for _ in range(rng.randint(2, 3)))
        return s.capitalize()

    return f"{part()} {part()}"


@dataclass
class Event:
    """What two stories about the same event share: people, places, topic phrases, quotes."""

    lang: str
    names: list[str]
    roles: list[str]
    objects: list[str]
    places: list[str]
    city: str
    quotes: list[str] = field(default_factory=list)


def _clause(lex: Lexicon, rng: random.Random, ev: Event | None, focus: float = 0.6) -> str:
    subj = rng.choice(lex.subjects)
    obj = rng.choice(ev.objects) if ev and rng.random() < focus else rng.choice(lex.objects)
    place = rng.choice(ev.places) if ev and rng.random() < focus else rng.choice(lex.places)
    parts = [subj, rng.choice(lex.verbs), obj, place, rng.choice(lex.times)]
    if rng.random() < 0.35:
        parts.insert(3, f"({rng.randint(2, 980)} {rng.choice(['%', 'km', 'M', 'k'])})")
    return " ".join(parts)


def _sentence(lex: Lexicon, rng: random.Random, ev: Event | None) -> str:
    r = rng.random()
    if r < 0.55:
        return _clause(lex, rng, ev) + "."
    if r < 0.8:
        a, b = _clause(lex, rng, ev), _clause(lex, rng, ev)
        return f"{a}, {rng.choice(lex.connectors)} {b[0].lower()}{b[1:]}."
    name = rng.choice(ev.names) if ev else _name(rng)
    role = rng.choice(ev.roles) if ev else rng.choice(lex.roles)
    q = _clause(lex, rng, ev)
    return lex.said.format(quote=q, name=name, role=role)


def make_event(lang: str, rng: random.Random) -> Event:
    lex = LEX[lang]
    ev = Event(
        lang=lang,
        names=[_name(rng) for _ in range(3)],
        roles=rng.sample(lex.roles, 3),
        objects=rng.sample(lex.objects, 4),
        places=rng.sample(lex.places, 3),
        city=rng.choice(_CITIES),
    )
    ev.quotes = [
        lex.said.format(quote=_clause(lex, rng, ev), name=ev.names[i], role=ev.roles[i])
        for i in range(2)
    ]
    return ev


def make_story(
    ev: Event, rng: random.Random, target_chars: int = 4000, shared: list[str] | None = None
) -> list[str]:
    """A story as a list of paragraphs (first is the title). `shared` sentences (quotes, a
    background paragraph) are spread through the body: same event, different article."""
    lex = LEX[ev.lang]
    title = _clause(lex, rng, ev, focus=1.0)
    paras: list[str] = [title]
    pending = list(shared or [])
    n = len(title)
    while n < target_chars:
        sents = [_sentence(lex, rng, ev) for _ in range(rng.randint(2, 4))]
        if pending and rng.random() < 0.5:
            sents.insert(rng.randint(0, len(sents)), pending.pop(0))
        p = " ".join(sents)
        paras.append(p)
        n += len(p) + 2
    paras.extend(pending)
    return paras


def _dateline(ev: Event, rng: random.Random) -> str:
    return f"{ev.city.upper()} ({rng.choice(LEX[ev.lang].agencies)}) — "


def render(
    paras: list[str],
    *,
    dateline: str = "",
    byline: str = "",
    intro: str = "",
    tail: list[str] | None = None,
) -> str:
    title, body = paras[0], list(paras[1:])
    if body and dateline:
        body[0] = dateline + body[0]
    head = [title] + [x for x in (byline, intro) if x]
    return "\n\n".join(head + body + list(tail or []))


VARIANTS = ("dateline", "byline", "intro", "tail", "truncated", "edited", "combo")


def make_variant(kind: str, paras: list[str], ev: Event, rng: random.Random) -> str:
    """A syndicated copy of the story `paras` (rendered with its original dateline)."""
    lex = LEX[ev.lang]
    dl = _dateline(ev, rng)
    by = lex.byline.format(name=_name(rng))
    tail = rng.sample(lex.tails, min(len(lex.tails), rng.randint(2, 3)))
    p = list(paras)
    if kind == "dateline":
        return render(p, dateline=dl)
    if kind == "byline":
        return render(p, dateline=dl, byline=by)
    if kind == "intro":
        return render(p, intro=rng.choice(lex.intros))
    if kind == "tail":
        return render(p, tail=tail)
    if kind == "truncated":
        keep = max(3, round(len(p) * rng.uniform(0.55, 0.9)))
        return render(p[:keep], tail=[lex.more])
    if kind in ("edited", "combo"):
        # copy-editing: drop one body paragraph, change a few words
        if len(p) > 4:
            del p[rng.randint(2, len(p) - 1)]
        words = "\n\n".join(p).split(" ")
        for _ in range(rng.randint(2, 6)):
            i = rng.randrange(len(words))
            words[i] = rng.choice(lex.times).split(" ")[-1]
        p = " ".join(words).split("\n\n")
        if kind == "edited":
            return render(p)
        keep = max(3, round(len(p) * rng.uniform(0.85, 1.0)))
        return render(p[:keep], dateline=dl, byline=by, tail=tail)
    raise ValueError(kind)


def _exact_copy(text: str, rng: random.Random) -> str:
    """Same text after normalisation: other whitespace, line endings, trailing spaces."""
    t = text.replace("\n\n", "\r\n\r\n") if rng.random() < 0.5 else text.replace(". ", ".  ")
    return "  " + t + "\n"


@dataclass
class Doc:
    id: str
    text: str
    lang: str
    cluster: int
    variant: str
    date: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "text": self.text,
            "lang": self.lang,
            "cluster": self.cluster,
            "variant": self.variant,
            "date": self.date,
        }


def generate_corpus(
    n: int,
    seed: int = 0,
    *,
    p_near: float = 0.3,
    p_exact: float = 0.05,
    p_hard: float = 0.15,
    target_chars: int = 4000,
    langs: dict[str, float] | None = None,
) -> tuple[list[Doc], list[dict[str, str]]]:
    """`n` documents and the planted pairs. Each base story gets, with the given probabilities,
    1–3 near-duplicate variants, an exact copy, and a hard-negative sibling (same event: same
    people, places and topic phrases, the same two quotes and one or two shared background
    paragraphs, otherwise a different article)."""
    rng = random.Random(seed)
    weights = langs or LANG_WEIGHTS
    codes, w = list(weights), list(weights.values())
    docs: list[Doc] = []
    truth: list[dict[str, str]] = []
    cluster = 0
    day0 = dt.date(2026, 1, 1)

    def add(text: str, lang: str, cl: int, variant: str, day: int) -> str:
        d = Doc(
            f"d{len(docs):07d}",
            text,
            lang,
            cl,
            variant,
            (day0 + dt.timedelta(days=day)).isoformat(),
        )
        docs.append(d)
        return d.id

    while len(docs) < n:
        lang = rng.choices(codes, w)[0]
        ev = make_event(lang, rng)
        day = rng.randint(0, 300)
        background = [
            " ".join(_sentence(LEX[lang], rng, ev) for _ in range(3))
            for _ in range(rng.randint(1, 2))
        ]
        shared = [*ev.quotes, *background]
        paras = make_story(ev, rng, target_chars, shared=shared if rng.random() < p_hard else None)
        cluster += 1
        base = render(paras, dateline=_dateline(ev, rng))
        base_id = add(base, lang, cluster, "base", day)
        if rng.random() < p_exact and len(docs) < n:
            truth.append(
                {
                    "a": base_id,
                    "b": add(
                        _exact_copy(base, rng), lang, cluster, "exact", day + rng.randint(0, 2)
                    ),
                    "kind": "exact",
                }
            )
        if rng.random() < p_near:
            for kind in rng.sample(VARIANTS, rng.randint(1, 3)):
                if len(docs) >= n:
                    break
                vid = add(
                    make_variant(kind, paras, ev, rng), lang, cluster, kind, day + rng.randint(0, 3)
                )
                truth.append({"a": base_id, "b": vid, "kind": f"near:{kind}"})
        if paras and rng.random() < p_hard and len(docs) < n:
            cluster += 1
            other = make_story(ev, rng, target_chars, shared=shared)
            hid = add(
                render(other, dateline=_dateline(ev, rng)),
                lang,
                cluster,
                "hard_negative",
                day + rng.randint(0, 2),
            )
            truth.append({"a": base_id, "b": hid, "kind": "hard_negative"})
    return docs, truth


def iter_jsonl(docs: list[Doc]) -> Iterator[str]:
    for d in docs:
        yield json.dumps(d.to_json(), ensure_ascii=False)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("bench/out/synth"))
    ap.add_argument("--txt", action="store_true", help="also write one .txt file per document")
    args = ap.parse_args(argv)
    docs, truth = generate_corpus(args.n, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "docs.jsonl").write_text("\n".join(iter_jsonl(docs)) + "\n", encoding="utf-8")
    (args.out / "truth.jsonl").write_text(
        "\n".join(json.dumps(t) for t in truth) + "\n", encoding="utf-8"
    )
    if args.txt:
        (args.out / "txt").mkdir(exist_ok=True)
        for d in docs:
            (args.out / "txt" / f"{d.id}.txt").write_text(d.text, encoding="utf-8")
    kinds: dict[str, int] = {}
    for t in truth:
        kinds[t["kind"]] = kinds.get(t["kind"], 0) + 1
    print(f"wrote {len(docs)} docs, {len(truth)} planted pairs {kinds} to {args.out}")


if __name__ == "__main__":
    main()
