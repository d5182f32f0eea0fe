"""The notes `expand` adds beside its list, in Japanese for a Japanese user (`--lang ja`, the
web app in Japanese). Each English note has one shape; a note of a shape not here stays in
English rather than half translated.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Why a company is excluded, as `spider.exclusions` says it.
_WHY_JA: dict[str, str] = {
    "in the pipeline": "商談中", "said not interested": "「興味なし」と回答済み",
    "do not call": "架電不可", "do_not_call": "架電不可", "do-not-call": "架電不可",
    "won": "受注済み", "lost": "失注", "competitor": "競合他社", "partner": "パートナー",
    "customer": "既存顧客", "existing customer": "既存顧客",
    "nurtured (said not now)": "「今は不要」でナーチャリング中"}
_PARTS: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
    (r"(\d+) existing clients?", lambda m: f"既存顧客{m[1]}社"),
    (r"(\d+) compan(?:y|ies) called in the last (\d+) days",
     lambda m: f"過去{m[2]}日以内に架電済みの{m[1]}社"),
    (r"(\d+) compan(?:y|ies) excluded \((.+)\)",
     lambda m: f"{_WHY_JA.get(m[2], '除外指定（' + m[2] + '）')}の{m[1]}社"),
)


def _reasons(text: str) -> str | None:
    """'2 existing clients and 1 company called in the last 30 days' in Japanese, or None."""
    out = []
    for part in re.split(r", | and ", text):
        for pattern, say in _PARTS:
            found = re.fullmatch(pattern, part)
            if found:
                out.append(say(found))
                break
        else:
            return None
    return "、".join(out)


def _maybe(items: str) -> str:
    return re.sub(r" \(maybe (.*?)\)", r"（\1と同じ可能性）", items).replace("; ", "、")


_NOTES: tuple[tuple[str, Callable[[re.Match[str]], str | None]], ...] = (
    (r"left out (\d+) rows? that may be a company already listed: (.*?)(?: and (\d+) more)?; "
     r"decide with `spider review`",
     lambda m: f"既に載っている会社と同じかもしれない{m[1]}件を外しました: {_maybe(m[2])}"
               + (f" ほか{m[3]}件" if m[3] else "") + "（`spider review` で確認できます）"),
    (r"left out (\d+) business(?:es)? marked closed or not yet open \(--include-closed lists "
     r"them\)", lambda m: f"閉業・開業前の{m[1]}件を外しました（--include-closed で表示）"),
    (r"left out (\d+) compan(?:y|ies) of the seed's own group \((.*)\)",
     lambda m: f"起点の会社と同じグループ（{m[2]}）の{m[1]}社を外しました"),
    (r"left out (\d+) sites? of the seed's own operator \(same web domain, phone, brand, "
     r"operator, name or door\)",
     lambda m: f"起点の会社と同じ運営者の{m[1]}拠点を外しました（ドメイン・電話・ブランド・"
               "運営会社・名称・所在地が同じ）"),
    (r"left out (\d+) sites? of your won clients' own operators \(the same customer: reach "
     r"them through the client\)",
     lambda m: f"ご契約先と同じ運営元の{m[1]}拠点を外しました（同じお客様です: ご契約先を通じてご連絡ください）"),
    (r"left out (\d+) compan(?:y|ies) already handed out or called \(--more\)",
     lambda m: f"配布済み・架電済みの{m[1]}社を外しました（--more）"),
    (r"left out (.*)", lambda m: (f"除外: {said}" if (said := _reasons(m[1])) else None)),
    (r"only (\d+) compan(?:y matches|ies match) every part of the query; the rest match some",
     lambda m: f"すべての条件に合うのは{m[1]}社です。以降は条件の一部に合う会社です"),
    (r"no company matches every part of the query; these match some",
     lambda m: "すべての条件に合う会社はありません。条件の一部に合う会社を表示しています"),
    (r"the seed has no industry, tier or list signal: ranking by place and terms only",
     lambda m: "起点の会社に業種・格付け・掲載リストの情報がないため、所在地と事業内容の語で"
               "順位を付けています"),
    (r"ranked (\d+) compan(?:y|ies) last whose own business differs from the seed's \((.*)\)",
     lambda m: f"起点の会社と事業の異なる{m[1]}社（{m[2]}）は後ろに回しました"),
    (r"read '([^']*)' as (.*), where the addresses naming it are",
     lambda m: f"「{m[1]}」を、住所にその語を含む会社の所在地（{m[2]}）と読みました"),
    (r"read (.*) as the place asked, within (.*)",
     lambda m: f"地域は{m[1]}として読みました（{m[2]}の中）"),
    (r"read '([^']*)' as '?((?:(?!, where)[^';])*)'?",
     lambda m: f"「{m[1]}」を「{m[2]}」と読みました"),
    (r"filler words ignored: (.*)", lambda m: f"読み飛ばした語: {m[1]}"),
    (r"only companies from (.*?)(?: and (\d+) more sources)?",
     lambda m: f"{m[1]}" + (f" ほか{m[2]}件" if m[2] else "") + " の会社のみ"),
)


def note_in(language: str, note: str) -> str:
    """NOTE in LANGUAGE (Japanese for 'ja'; any other language: as written)."""
    if language != "ja":
        return note
    for pattern, say in _NOTES:
        found = re.fullmatch(pattern, note)
        if found:
            return say(found) or note
    return note
