"""People and roles on a company's pages: the titles companies give their people, in English
and Japanese, what kind of buyer each is, and what a person's name looks like.

`role_of` says what kind of role a title is and how senior ("取締役営業部長" -> sales, 3;
"Vice President of Sales" -> sales, 5); `ja_name` and `en_name` find a name. Reading the
facts back (whom to ask for) is `spider.contact_facts`, which needs none of these rules.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_WS = re.compile(r"\s+")


def clean(text: Any) -> str:
    """Collapse whitespace (NBSP and the ideographic space too) and strip."""
    return _WS.sub(" ", str(text or "").replace("\xa0", " ").replace("\u3000", " ")).strip()


# -- roles --------------------------------------------------------------------------------

# Japanese titles: a department and a rank ("営業本部長", "人事部 部長"), or a title of its own.
_JA_DEPTS = {
    "営業": "sales", "販売": "sales", "セールス": "sales", "宿泊営業": "sales", "宴会営業": "sales",
    "法人営業": "sales", "営業推進": "sales", "営業企画": "sales", "営業統括": "sales",
    "マーケティング": "marketing", "広報": "marketing", "販売促進": "marketing", "販促": "marketing",
    "人事": "hr", "採用": "hr", "人材開発": "hr",
    "購買": "purchasing", "調達": "purchasing", "資材": "purchasing",
    "情報システム": "it", "システム": "it", "IT": "it", "DX推進": "it",
    "経理": "finance", "財務": "finance", "経営管理": "finance",
    "業務": "operations", "製造": "operations", "生産": "operations", "工事": "operations",
    "総務": "admin", "管理": "admin",
    "設計": "operations", "施工": "operations", "工務": "operations", "品質": "operations",
    "物流": "operations", "店舗": "operations",
}
_JA_RANKS = {"本部長": 3, "統括部長": 3, "部長": 3, "副部長": 2, "次長": 2, "室長": 2, "課長": 2,
             "マネージャー": 2, "マネジャー": 2, "責任者": 2, "所長": 2, "係長": 1, "主任": 1,
             "リーダー": 1, "担当": 0, "担当者": 0}  # fmt: skip
_JA_TITLES = {
    "代表取締役社長": ("ceo", 5), "代表取締役会長": ("ceo", 4), "代表取締役": ("ceo", 5),
    "取締役社長": ("ceo", 5), "代表執行役社長": ("ceo", 5), "代表社員": ("ceo", 5),
    "代表理事": ("ceo", 5), "理事長": ("ceo", 5), "社長": ("ceo", 5), "会長": ("ceo", 4),
    "代表者": ("ceo", 4), "代表": ("ceo", 4), "オーナー": ("ceo", 4), "創業者": ("ceo", 3),
    "院長": ("ceo", 5), "園長": ("ceo", 5), "校長": ("ceo", 5), "学長": ("ceo", 5),
    "所長": ("ceo", 4), "女将": ("ceo", 4), "代表税理士": ("ceo", 5), "代表弁護士": ("ceo", 5),
    "総支配人": ("gm", 4), "支配人": ("gm", 3), "副支配人": ("gm", 2), "店長": ("gm", 3),
    "館長": ("gm", 3), "事務長": ("gm", 3), "支店長": ("gm", 3), "工場長": ("operations", 3),
    "専務取締役": ("board", 4), "常務取締役": ("board", 4), "取締役": ("board", 3),
    "執行役員": ("board", 3), "副社長": ("board", 4), "専務": ("board", 4), "常務": ("board", 4),
    "総料理長": ("kitchen", 4), "料理長": ("kitchen", 3), "シェフ": ("kitchen", 3),
    "副院長": ("practitioner", 3), "歯科医師": ("practitioner", 2), "医師": ("practitioner", 2),
    "税理士": ("practitioner", 2), "弁護士": ("practitioner", 2),
    "監査役": ("other", 1), "顧問": ("other", 1), "相談役": ("other", 1),
    # Qualifications a person is named with: a title, never part of a name.
    "一級建築士": ("practitioner", 1), "二級建築士": ("practitioner", 1), "建築士": ("practitioner", 1),
    "公認会計士": ("practitioner", 2), "社会保険労務士": ("practitioner", 1),
    "司法書士": ("practitioner", 1), "行政書士": ("practitioner", 1),
    "中小企業診断士": ("practitioner", 1), "宅地建物取引士": ("practitioner", 1),
    "歯科衛生士": ("staff", 1), "看護師": ("staff", 1), "薬剤師": ("practitioner", 1),
    "管理栄養士": ("staff", 1), "技術士": ("practitioner", 1),
    "現場監督": ("operations", 1), "棟梁": ("operations", 1), "大工": ("operations", 1),
}
JA_ROLE = re.compile(
    "(?:(?:" + "|".join(sorted(map(re.escape, _JA_DEPTS), key=len, reverse=True)) + ")"
    r"(?:本部|部|課|室|グループ|チーム|事業部|統括)?[ \u3000]?"
    "(?:" + "|".join(sorted(map(re.escape, _JA_RANKS), key=len, reverse=True)) + ")"
    "|(?:社外|常勤|非常勤|筆頭|上席)?(?:" + "|".join(sorted(map(re.escape, _JA_TITLES), key=len,
                                                     reverse=True)) + "))+"
)

_EN_TITLES: tuple[tuple[str, str, int], ...] = (
    (r"chief (?:executive|exec\.?)(?: officer)?|ceo|president(?: (?:and|&) ceo)?|founder|"
     r"co-?founder|owner|proprietor|managing partner|principal|chair(?:man|woman|person)?|"
     r"managing director|senior partner|name partner|executive director", "ceo", 5),
    (r"(?:senior |executive )?vice president(?:,)? (?:of )?(?:global |national )?"
     r"(?:sales|business development|commercial)|(?:s|e)?vp,? (?:of )?sales|"
     r"chief (?:sales|commercial|revenue) officer|cso|cro", "sales", 5),
    (r"(?:senior |regional |national |group )?(?:director|head) of (?:global |national )?"
     r"(?:sales|business development|commercial|revenue)(?: (?:and|&) marketing)?|"
     r"(?:senior |regional |national )?(?:sales|commercial|business development) director|"
     r"director of sales (?:and|&) marketing", "sales", 4),
    (r"(?:senior |regional |national |area |inside |outside )?(?:sales|business development|"
     r"account|accounts|group sales|catering sales|corporate sales) manager|"
     r"(?:senior )?account executive|sales (?:lead|representative|rep)", "sales", 3),
    (r"chief marketing officer|cmo|(?:director|head|vp|vice president) of (?:marketing|"
     r"communications|public relations)|marketing (?:director|manager|lead)|pr manager|"
     r"communications (?:director|manager)", "marketing", 4),
    (r"chief (?:people|human resources) officer|(?:director|head|vp|vice president) of "
     r"(?:people|human resources|hr|talent|recruiting)|(?:hr|human resources|people|"
     r"recruiting|talent acquisition) (?:director|manager|lead|partner)", "hr", 4),
    (r"(?:director|head|vp|vice president) of (?:purchasing|procurement|supply chain)|"
     r"(?:purchasing|procurement) (?:director|manager|officer)|(?:senior )?buyer", "purchasing", 4),
    (r"chief (?:information|technology) officer|cio|cto|(?:director|head|vp|vice president) of "
     r"(?:it|information technology|technology|engineering)|it (?:director|manager)", "it", 4),
    (r"chief financial officer|cfo|(?:director|head|vp|vice president) of finance|finance "
     r"(?:director|manager)|(?:financial )?controller|treasurer", "finance", 4),
    (r"chief operating officer|coo|(?:director|head|vp|vice president) of operations|"
     r"operations (?:director|manager)|plant manager", "operations", 4),
    (r"(?:hotel |general |store |branch |office |practice |restaurant |resort )manager|"
     r"general manager|gm|hotel director|managing partner|"
     r"(?:practice|office|clinic|hospital|business) administrator", "gm", 4),
    (r"executive chef|head chef|chef de cuisine|chef", "kitchen", 3),
    (r"partner|director|vice president|vp", "board", 3),
    (r"dds|dmd|md|cpa|dentist|attorney(?: at law)?|lawyer|physician|doctor|associate",
     "practitioner", 2),
)
# Any other job title, capitalised as titles are ('Customer Service Manager', 'Head
# Concierge', 'Lead Dental Hygienist'): a member of staff, not a buyer.
EN_STAFF = re.compile(
    r"\b(?:[A-Z][a-z]+\s+|&\s+|and\s+|of\s+){0,4}(Manager|Director|Officer|Coordinator|Assistant|"
    r"Hygienist|Concierge|Specialist|Supervisor|Administrator|Receptionist|Engineer|Technician|"
    r"Consultant|Advisor|Adviser|Planner|Designer|Architect|Nurse|Therapist|Accountant|"
    r"Bookkeeper|Paralegal|Secretary|Clerk|Agent|Representative|Inspector|Porter|Chef|Lead|"
    r"Leader|Emeritus|Counsel|Sommelier|Housekeeper|Bartender|Barista|Estimator|Superintendent|"
    r"Dispatcher|Analyst|Auditor|Partner|Associate|Editor|Producer|Instructor|Teacher|Principal)\b")
EN_ROLE = re.compile(
    r"\b(?:" + "|".join(f"(?:{p})" for p, _, _ in _EN_TITLES) + r")\b", re.I)
_EN_KIND = [(re.compile(rf"\b(?:{p})\b", re.I), kind, rank) for p, kind, rank in _EN_TITLES]


def role_of(text: str) -> tuple[str, int] | None:
    """(kind, seniority 0-5) of a role title, in English or Japanese; None if it is none. A
    former, retired or non-executive title is no one to ask for ('other'); an assistant,
    deputy or acting one ranks below the title itself."""
    found = _role_of(text)
    if found is None:
        return None
    text = unicodedata.normalize("NFKC", text or "")
    if _NO_LONGER.search(text):
        return "other", 0
    if _UNDER.search(text):
        return found[0], max(0, found[1] - 2)
    return found


_NO_LONGER = re.compile(r"\b(?:former|retired|ex-|emeritus|non-executive|non executive|"
                        r"independent director)\b|^元|^前|[・ ]元|社外", re.I)
_UNDER = re.compile(r"\b(?:assistant|deputy|acting|associate)\b|代理|補佐", re.I)


def _role_of(text: str) -> tuple[str, int] | None:
    text = unicodedata.normalize("NFKC", text or "").strip()
    best: tuple[str, int] | None = None
    for match in JA_ROLE.finditer(text):
        found = ja_kind(match.group(0))
        if found and (best is None or _better(found, best)):
            best = found
    if best is not None:
        return best
    # Of titles that overlap, the longest is the one named: 'Vice President of Sales' is a
    # sales role, not a president. Of separate titles ('Owner & Lead Dentist'), the person
    # holds both, and the more senior says whom they can decide for.
    titles = sorted(((m.start(), m.end(), -i, kind, rank) for i, (pattern, kind, rank)
                     in enumerate(_EN_KIND) for m in pattern.finditer(text)),
                    key=lambda t: (t[0] - t[1], t[2]))
    if not titles:
        staff = EN_STAFF.search(text)
        if staff:
            return "staff", 2 if staff.group(1) in ("Manager", "Director", "Partner") else 1
        return None
    named: list[tuple[int, int, int, str, int]] = []
    for title in titles:
        if all(title[1] <= start or title[0] >= end for start, end, *_ in named):
            named.append(title)
    start, end, _, kind, rank = max(named, key=lambda t: (t[4], t[1] - t[0], t[2]))
    return kind, rank


def _better(a: tuple[str, int], b: tuple[str, int]) -> bool:
    """The more specific role of a compound title: '取締役営業部長' is a sales role first."""
    specific = ("ceo", "gm", "board", "other", "practitioner", "staff")  # titles, not departments
    if (a[0] in specific) != (b[0] in specific):
        return a[0] not in specific
    return a[1] > b[1]


def ja_kind(title: str) -> tuple[str, int] | None:
    title = title.replace(" ", "").replace("\u3000", "")
    found: list[tuple[str, int]] = []
    for dept, kind in _JA_DEPTS.items():
        if dept in title:
            rest = title.split(dept, 1)[1]
            ranks = [k for k in _JA_RANKS if k in rest]
            # The longest rank word: '副部長' is not '部長'.
            ranks = [k for k in ranks if not any(k != o and k in o for o in ranks)]
            if ranks:
                found.append((kind, max(_JA_RANKS[k] for k in ranks)))
    words = [w for w in _JA_TITLES if w in title]
    for word in words:
        if not any(word != other and word in other for other in words):  # '副社長', not '社長'
            found.append(_JA_TITLES[word])
    if not found:
        return None
    best = found[0]
    for item in found[1:]:
        if _better(item, best):
            best = item
    return best


# -- names --------------------------------------------------------------------------------

KANJI = "\u4e00-\u9fff\u3005\u3006\u30f6"
KANA = "\u3041-\u3096\u30a1-\u30fa\u30fc"
JA_NAME = re.compile(rf"[{KANJI}]{{1,4}}[ \u3000]?[{KANJI}{KANA}]{{1,5}}|"
                      rf"[\u30a1-\u30fa\u30fc]{{2,}}[・ \u3000=＝][\u30a1-\u30fa\u30fc]{{2,}}")
# Words that make a run of kanji an office, a place or a heading, not a person.
_NOT_JA_NAME = re.compile(
    "会社|株式|有限|法人|事務所|本社|支社|支店|営業|本部|部長|課長|社長|取締|代表|担当|窓口|"
    "募集|候補|採用|受付|案内|紹介|概要|情報|挨拶|お客|皆様|当社|弊社|当院|当館|ホテル|旅館|"
    "センター|ビル|丁目|番地|東京|大阪|京都|[都道府]県|県$|区$|市$|町$|村$|駅|電話|番号|住所|"
    "所在|連絡|問い合わせ|問合せ|営業日|時間|曜日|年度|様々|について|より|から|まで|こと|もの|"
    "ため|など|及び|および|ならびに|または|役員|一覧|沿革|理念|事業|内容|資本|設立|従業|取引|"
    "部署|総務|人事|経理|広報|品質|工場|製造|開発|技術|企画|推進|管理|医院|歯科|クリニック|"
    "税理士|弁護士|事務|スタッフ|チーム|グループ|メンバー|サービス|プラン|予約|宿泊|料理|"
    "支部|協会|組合|学会|委員|連合|財団|機構|"
    # A particle after a kanji, at the end or before more kanji: a phrase ('田中が', '山田の
    # 佐藤'), not a given name in hiragana ('山田 はな').
    "[\u4e00-\u9fff\u3005][のがはをにでとへやも](?:$|[\u4e00-\u9fff\u3005 ])|です|ます")
_HONORIFIC_JA = re.compile(r"[ \u3000]*(?:様|氏|さん|先生|殿)$")
_HONORIFIC_EN = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+")
_EN_WORD = r"(?:[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?|[A-Z]\.|Mc[A-Z][a-z]+|O['’][A-Z][a-z]+)"
EN_NAME = re.compile(rf"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+)?{_EN_WORD}"
                      rf"(?:\s+(?:(?:de|van|von|da|del|di|le|la|du)\s+)?{_EN_WORD}){{1,3}}"
                      r"(?:,?\s+(?:Jr|Sr|II|III|IV)\.?)?")
# Capitalised words of page chrome, trade and places: never part of a person's name.
_NOT_EN_NAME = frozenset("""
about access account accounts accountant accounting address admin all and annual apply ask
association attorney attorneys avenue ave award bank banquet bar best blog blvd board book
booking building business by call care career careers catering center centre chief city clinic
co code college com commercial communications company contact contacts copyright corporate
corporation cost county court customer customers daily day dear dental dentist department
design details development dining director directors dr drive east email engineering estate
events executive experience facebook faq fax find finance financial floor follow for founder
free from front general get global grand group guest guests head health help here history
holdings home hotel hours house human inc information inn instagram international it join key
kitchen lane law lead leadership learn legal linkedin llc llp location locations lodge ltd
main management manager map marketing media meet meeting member members menu message more
mr mrs ms my national new news north not office officer officers offices online open
operations or order our overview owner page park partner partners patient patients people
phone photo place plaza policy press president privacy product products professional
profile program project properties property purchasing read recruiting reservations resort
restaurant review reviews road room rooms sales salon school schedule search see senior
service services share shop site social south spa staff st start store street studio
suite support team tel terms the this today tour tower town travel twitter us vice view
visit we welcome west what who why with work world your youtube january february march april
may june july august september october november december monday tuesday wednesday thursday
friday saturday sunday united states kingdom america london new york tokyo osaka
night day quality sous pastry patient dental medical customer guest assistant junior deputy
regional area district technical maintenance production warehouse shipping billing insurance
desk housekeeping fitness expanded function hygienist coordinator specialist supervisor
administrator receptionist technician consultant advisor planner designer nurse therapist
bookkeeper paralegal secretary clerk agent representative sommelier bartender barista
estimator superintendent dispatcher analyst auditor counsel emeritus vacancies vacancy hiring
opening openings position positions current former retired
corp traders trading industries systems solutions technologies tech labs works foods motors
logistics consulting associates capital ventures enterprises products deluxe twin double
single king queen superior standard premium classic signature
""".split())
# The most common Japanese family names: a name written without a space between family and
# given name is taken only where it starts with one of these, unless the page marks it as a
# name (an honorific, a role right before it, schema.org). About 70% of people in Japan bear one.
COMMON_SURNAMES = frozenset("""
佐藤 鈴木 高橋 田中 伊藤 渡辺 渡邊 渡邉 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林
斎藤 斉藤 齋藤 清水 山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤
村上 遠藤 青木 坂本 福田 太田 西村 藤井 金子 岡本 藤原 中野 三浦 原田 中川 松田 竹内 小野 田村
中山 和田 石田 森田 上田 原 内田 柴田 酒井 宮崎 横山 高木 安藤 宮本 大野 小島 谷口 工藤 今井 高田
増田 丸山 杉山 村田 大塚 新井 小山 平野 藤本 河野 上野 野口 武田 松井 千葉 岩崎 菅原 木下 久保
佐野 野村 松尾 市川 菊地 杉本 古川 大西 島田 水野 桜井 櫻井 高野 渡部 吉川 山内 西田 飯田 菊池
西川 小松 北村 安田 五十嵐 川口 平田 関 中田 久保田 服部 東 岩田 土屋 川崎 福島 本田 辻 樋口
秋山 永井 中西 吉村 川上 石原 大橋 松岡 馬場 浜田 濱田 森本 星野 矢野 浅野 大久保 松下 小池 野田
荒木 大谷 内藤 松浦 熊谷 黒田 尾崎 永田 川村 望月 田口 菅野 松村 荒井 堀 大島 平井 早川 西山
広瀬 栗原 北川 岡 横田 石橋 萩原 高山 川田 中谷 岩本 片山 吉岡 宮田 本間 小田 白石 坂口 足立
大石 関口 奥村 岡崎 上原 今村 須藤 杉浦 松原 大森 小西 河合 武藤 千田 沢田 澤田 南 長田 内山
富田 竹田 堀内 北野 小澤 小沢 鎌田 西 宮下 平山 榎本 堤 大竹 岩井 吉野 野崎 三宅 志村 細川 竹中
小森 大川 金田 今野 安藤 江口 小倉 宮内 牧野 筒井 水谷 森下 稲垣 植田 福井 加納 宇野 西岡
原口 中尾 松永 秋元 岸 田辺 田邊 戸田 安井 白井 奥田 溝口 小坂 大木 古田 川島 中井 荻野 新田
畑 黒川 梅田 河村 竹本 篠原 長尾 石黒 大平 岡村 土井 成田 吉原 前川 徳永 福本 浅井 桑原 矢田
木内 神田 森山 米田 広田 岩瀬 中沢 中澤 中嶋 寺田 浅田 塚本 国井 岸本 石塚 飯島 八木 井口 福永
落合 亀井 関根 三上 池上 堀田 田島 川本 西野 小原 中本 上村 大山 三好 伊東 米山 山根 住田 鶴田
""".split())


def ja_name(text: str, *, strict: bool = False) -> str:
    """TEXT as a Japanese person's name ('山田 太郎', '山田太郎様' -> '山田太郎'), or ''.
    `strict`, where nothing around the text says it is a name: unspaced kanji must start with
    a common family name."""
    text = clean(text).replace("\u3000", " ")
    if re.search(r"(?:様|殿|さま)$", text):
        return ""  # how a company writes its customers and guests, never its own people
    text = _HONORIFIC_JA.sub("", text)
    text = re.sub(r"[（(][^）)]*[）)]$", "", text).strip()  # a reading in brackets
    if not JA_NAME.fullmatch(text) or _NOT_JA_NAME.search(text):
        return ""
    letters = text.replace(" ", "").replace("・", "")
    if not 2 <= len(letters) <= 8:
        return ""
    if re.fullmatch(rf"[{KANA}・ =＝]+", text) and "・" not in text and " " not in text:
        return ""  # a lone kana word is a word, not a name
    if " " not in text and "・" not in text:
        if re.search(r"[\u3041-\u3096]", text):
            return ""  # '石田による': a given name in hiragana is written apart from the family name
        if strict and not any(text.startswith(s) and len(text) - len(s) in (1, 2, 3)
                              for s in COMMON_SURNAMES):
            return ""  # unspaced kanji with nothing saying it is a name: '記帳代行'
    return text


_POST_NOMINALS = re.compile(r"(?:,?\s+(?:[A-Z]{2,6}|Ph\.?D\.?|M\.?D\.?|Esq\.?|"
                            r"[A-Z][a-z]?[A-Z]{1,4}))+$")


def en_name(text: str) -> str:
    """TEXT as a person's name in Latin letters ('Dr. Jane Q. Doe', 'Taro Yamada'), or ''."""
    text = clean(text).strip(" ,.;:–—-|")
    text = _POST_NOMINALS.sub("", text)  # 'Karen Lindqvist, RDH' -> 'Karen Lindqvist'
    if not EN_NAME.fullmatch(text):
        return ""
    words = [w.strip(".,").lower() for w in _HONORIFIC_EN.sub("", text).split()]
    core = [w for w in words if w not in ("jr", "sr", "ii", "iii", "iv")]
    if len([w for w in core if len(w) > 1]) < 2:
        return ""
    if any(w in _NOT_EN_NAME for w in core) or any(EN_ROLE.fullmatch(w) for w in core):
        return ""
    return text


def drop_bare_family_names(people: list[Any]) -> list[Any]:
    """Without a person named only by family name where the full name is known too ('石田'
    beside '石田 誠'); each item has a `.name`."""
    keys = [name_key(p.name) for p in people]
    return [p for p, key in zip(people, keys, strict=True)
            if not (" " not in p.name.strip() and (len(key) <= 2 or key in COMMON_SURNAMES)
                    and re.match(rf"[{KANJI}]", key)
                    and any(other != key and other.startswith(key) for other in keys))]


def person_name_strict(text: str) -> str:
    """A name where nothing around the text says it is one (a table cell under a title)."""
    return ja_name(text, strict=True) or en_name(text)


def person_name(text: str) -> str:
    return ja_name(text) or en_name(text)


def name_key(name: str) -> str:
    """A name as compared: NFKC, no honorific, no spaces or dots, case folded."""
    text = unicodedata.normalize("NFKC", name or "")
    text = _HONORIFIC_EN.sub("", _HONORIFIC_JA.sub("", text.strip()))
    return re.sub(r"[\s.・=＝]", "", text).casefold()
