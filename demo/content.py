"""What the demo's documents say: every cell of a unit's reports year after year, the legacy, notice and
news bodies, and the rendered report bodies and attachments (cached per process, keyed by content)."""

from __future__ import annotations

import hashlib
import html
import json
import random
import threading
from datetime import date
from typing import Callable

from parsers import schema

from .render import ReportSpec, render_doc, render_docx, render_html, render_pdf

# ---------------------------------------------------------------- body cache (per process)

_CACHE: dict[str, object] = {}
_CACHE_LOCK = threading.Lock()
_KEY_LOCKS: dict[str, threading.Lock] = {}


def cached(key: str, make: Callable[[], object]):
    """``make()`` once per process per key, even when threads ask at the same time."""
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    with lock:
        with _CACHE_LOCK:
            if key in _CACHE:
                return _CACHE[key]
        value = make()
        with _CACHE_LOCK:
            _CACHE[key] = value
        return value


def is_cached(key: str) -> bool:
    return key in _CACHE


def spec_key(spec: ReportSpec) -> str:
    blob = json.dumps([spec.unit, spec.year, spec.format, sorted((k, v) for k, v in spec.cells.items()),
                       spec.published.isoformat() if spec.published else None,
                       sorted(spec.paragraphs.items()), sorted(spec.omit_rows)], ensure_ascii=False)
    return hashlib.sha1(blob.encode()).hexdigest()


_RENDERERS = {"pdf": render_pdf, "docx": render_docx, "doc": render_doc, "wps": render_doc}


def office_attachment(spec: ReportSpec, kind: str) -> tuple[str, Callable[[], bytes]]:
    """The cache key and renderer of a report as a .pdf/.docx/.doc/.wps file (a .wps is WPS's Word 97 file)."""
    render = _RENDERERS[kind]
    source = "doc" if kind == "wps" else kind
    return f"{source}:{spec_key(spec)}", lambda: render(spec)


def report_fragment(spec: ReportSpec, *, keep: bool = True) -> str:
    """The report as an article body: the HTML the renderer prints inside its page, without the page.
    ``keep=False``: made again on each call, never held by the process cache (a generated benchmark
    site's report: tens of thousands of them would hold gigabytes)."""
    def make() -> str:
        page = render_html(spec).decode("utf-8")
        start = page.find('<div class="TRS_Editor">')
        end = page.rfind("</div>\n</div>\n</body>")
        if start < 0 or end < 0:
            start, end = page.find("<body>") + len("<body>"), page.rfind("</body>")
            return page[start:end]
        return page[start + len('<div class="TRS_Editor">'):end].strip("\n") + "\n"
    return cached(f"fragment:{spec_key(spec)}", make) if keep else make()



# ---------------------------------------------------------------- report contents

_RESULTS_2021 = {
    "granted": 40, "partly_granted": 8, "withheld_internal": 3, "withheld_process": 3,
    "withheld_third_party": 2, "unavailable_not_held": 20, "unavailable_needs_creation": 4,
    "unavailable_unclear": 2, "declined_petition": 5, "declined_repeat": 4, "declined_mass": 1,
    "other_no_correction": 2, "other_other": 2,
}
_RESULTS_2019 = {k: v for k, v in _RESULTS_2021.items() if not k.startswith("other_")} | {"other": 4}


def report_format(year: int) -> str:
    return schema.FORMAT_2019 if year <= 2020 else schema.FORMAT_2021


def unit_series(seed: int, code: str, level: str, years: range = range(2019, 2031)) -> dict[int, dict[str, str]]:
    """Every cell of a unit's reports year after year, consistent within each report and across years
    (carried_in = last year's carried_out; 2021-format in_force = last year's + issued − repealed)."""
    rng = random.Random(f"{seed}:{code}")
    scale = {"county": 40, "department": 12, "zone": 6}.get(level, 3)
    applicants = schema.T3_APPLICANTS
    carried = dict.fromkeys(applicants, 0)
    in_force = {"regulations": 0, "normative": rng.randint(20, 150) if level == "county" else rng.randint(0, 12)}
    total_public = {"regulations": 0, "normative": in_force["normative"]}
    items = {"licensing": rng.randint(5, 200) if level != "township" else rng.randint(0, 12),
             "other_services": rng.randint(0, 30), "penalty": rng.randint(0, 60), "coercion": rng.randint(0, 10),
             "fees": rng.randint(0, 8)}
    # decisions drift year to year around a unit's own level, as real workloads do (no ×10 jumps)
    t2rng = random.Random(f"{seed}:{code}:t2")
    big = {"county": 20000, "department": 3000, "zone": 300}.get(level, 150)
    old_big = 3000 if level != "township" else 80
    decisions = {"licensing": t2rng.randint(0, big), "penalty": t2rng.randint(0, big // 6),
                 "coercion": t2rng.randint(0, big // 40), "other_services": t2rng.randint(0, old_big)}

    def drift(row: str) -> str:
        decisions[row] = max(0, round(decisions[row] * t2rng.uniform(0.75, 1.35)))
        return str(decisions[row])

    out: dict[int, dict[str, str]] = {}
    for year in years:
        fmt = report_format(year)
        cells: dict[str, str] = {}
        new = dict.fromkeys(applicants, 0)
        new["natural"] = rng.randint(0, scale)
        if level in ("county", "department"):
            new["commercial"] = rng.randint(0, max(1, scale // 8))
            new["other_org"] = rng.choice([0, 0, 1, 2])
            new["nonprofit"] = rng.choice([0, 0, 0, 1])
            new["legal"] = rng.choice([0, 0, 0, 1]) if level == "county" else 0
            new["research"] = rng.choice([0, 0, 0, 0, 1]) if level == "county" else 0
        carried_in = dict(carried)
        carried_out = dict.fromkeys(applicants, 0)
        weights = _RESULTS_2021 if fmt == schema.FORMAT_2021 else _RESULTS_2019
        rows = {r: dict.fromkeys(applicants, 0) for r in weights}
        keys, w = list(weights), list(weights.values())
        for c in applicants:
            available = new[c] + carried_in[c]
            if available >= 3 and rng.random() < 0.25:
                carried_out[c] = rng.randint(1, 2)
            for _ in range(available - carried_out[c]):
                rows[rng.choices(keys, w)[0]][c] += 1
        handled = {c: new[c] + carried_in[c] - carried_out[c] for c in applicants}
        table = {"new": new, "carried_in": carried_in, **rows, "handled_total": handled, "carried_out": carried_out}
        for row in schema.T3_ROWS[fmt]:
            values = table.get(row, dict.fromkeys(applicants, 0))
            for c in applicants:
                cells[f"t3.{row}.{c}"] = str(values[c])
            cells[f"t3.{row}.total"] = str(sum(values.values()))
        carried = carried_out
        busy = level in ("county", "department")
        for group in schema.T4_GROUPS:
            vals = [rng.choice([0, 0, 0, 1, 2]) if busy and group != "suit_after_review" else 0 for _ in range(4)]
            for r, v in zip(schema.T4_RESULTS[:4], vals):
                cells[f"t4.{group}.{r}"] = str(v)
            cells[f"t4.{group}.total"] = str(sum(vals))
        if fmt == schema.FORMAT_2021:
            for row in ("regulations", "normative"):
                issued = 0 if row == "regulations" else rng.randint(0, 12 if level == "county" else 2)
                repealed = 0 if row == "regulations" else rng.randint(0, min(3, in_force[row]))
                in_force[row] += issued - repealed
                cells |= {f"t2.{row}.issued": str(issued), f"t2.{row}.repealed": str(repealed),
                          f"t2.{row}.in_force": str(in_force[row])}
            cells["t2.licensing.decisions"] = drift("licensing")
            cells["t2.penalty.decisions"] = drift("penalty")
            cells["t2.coercion.decisions"] = drift("coercion")
            cells["t2.fees.amount"] = f"{rng.randint(0, 30000000) / 10000:.4f}" if level != "township" else "0"
        else:
            for row in ("regulations", "normative"):
                made = 0 if row == "regulations" else rng.randint(0, 10 if level == "county" else 2)
                total_public[row] += made
                in_force[row] = total_public[row]
                cells |= {f"t2.{row}.made": str(made), f"t2.{row}.published": str(made),
                          f"t2.{row}.total_public": str(total_public[row])}
            for row in ("licensing", "other_services", "penalty", "coercion", "fees"):
                change = rng.randint(-2, 4) if items[row] else rng.randint(0, 2)
                cells[f"t2.{row}.prev_items"] = str(items[row])
                cells[f"t2.{row}.change"] = f"{change:+d}" if change else "0"
                items[row] += change
                if row != "fees":
                    cells[f"t2.{row}.decisions"] = drift(row)
            cells["t2.procurement.items"] = str(rng.randint(0, 40))
            cells["t2.procurement.amount"] = f"{rng.randint(0, 5000000) / 100:.2f}"
        out[year] = cells
    return out


def break_cells(cells: dict[str, str]) -> tuple[dict[str, str], str]:
    """One number changed so that sums fail (T3-HANDLED-SUM and T3-ROW-TOTAL on 予以公开·自然人)."""
    key = "t3.granted.natural"
    broken = dict(cells)
    broken[key] = str(int(cells[key]) + 1)
    return broken, key


def legacy_fragment(unit: str, year: int, published: date) -> str:
    """A pre-2019 report: the 2008-era free-form wording and a 统计指标 table (stored, never checked)."""
    rows = [
        ("一、主动公开情况", "", ""), ("（一）主动公开政府信息数", "条", "1286"),
        ("其中：主动公开规范性文件数", "条", "12"), ("（二）通过不同渠道和方式公开政府信息的情况", "", ""),
        ("1.政府公报公开政府信息数", "条", "0"), ("2.政府网站公开政府信息数", "条", "1286"),
        ("二、回应解读情况", "", ""), ("（一）回应公众关注热点或重大舆情数", "次", "6"),
        ("三、依申请公开情况", "", ""), ("（一）收到申请数", "件", "17"), ("1.当面申请数", "件", "5"),
        ("2.传真申请数", "件", "0"), ("3.网络申请数", "件", "9"), ("4.信函申请数", "件", "3"),
        ("（二）申请办结数", "件", "17"), ("1.按时办结数", "件", "17"), ("2.延期办结数", "件", "0"),
        ("四、行政复议数量", "件", "0"), ("五、行政诉讼数量", "件", "0"),
        ("六、举报投诉数量", "件", "0"), ("七、依申请公开信息收取的费用", "万元", "0"),
        ("八、机构建设和保障经费情况", "", ""), ("（一）政府信息公开工作专门机构数", "个", "1"),
        ("（二）从事政府信息公开工作人员数", "人", "3"),
    ]
    trs = "\n".join(f"<tr><td>{html.escape(a)}</td><td align=\"center\">{b}</td><td align=\"center\">{c}</td></tr>"
                    for a, b, c in rows)
    paras = [
        ("一、概述", f"{year}年，{unit}认真贯彻落实《中华人民共和国政府信息公开条例》，按照上级部署，"
                   "加强组织领导，完善工作机制，政府信息公开工作有序推进。本报告由概述，主动公开政府信息情况，"
                   "依申请公开政府信息情况，政府信息公开的收费及减免情况，因政府信息公开申请行政复议、提起行政诉讼的情况，"
                   "政府信息公开工作存在的主要问题及改进情况，其他需要报告的事项及附表组成。"),
        ("二、主动公开政府信息情况", f"{year}年共主动公开政府信息1286条，其中规范性文件12条。"),
        ("三、依申请公开政府信息情况", f"{year}年共收到政府信息公开申请17件，均已按期答复。"),
        ("四、政府信息公开的收费及减免情况", "未收取任何费用。"),
        ("五、因政府信息公开申请行政复议、提起行政诉讼的情况", "无。"),
        ("六、政府信息公开工作存在的主要问题及改进情况", "公开内容不够全面，解读形式较为单一。下一步将进一步规范公开流程。"),
        ("七、其他需要报告的事项", "无。"),
    ]
    body = "".join(f"<p><strong>{h}</strong></p>\n<p style=\"text-indent:2em\">{html.escape(t)}</p>\n" for h, t in paras)
    return (
        f"{body}<p style=\"text-align:center\"><strong>{year}年政府信息公开情况统计表</strong></p>\n"
        '<table border="1" cellspacing="0" cellpadding="0" align="center" style="border-collapse:collapse"><tbody>\n'
        "<tr><td align=\"center\">统 计 指 标</td><td align=\"center\">单位</td><td align=\"center\">统计数</td></tr>\n"
        f"{trs}\n</tbody></table>\n"
        f"<p style=\"text-align:right\">{html.escape(unit)}</p>\n"
        f"<p style=\"text-align:right\">{published.year}年{published.month}月{published.day}日</p>\n"
    )


def _paras(texts: list[str]) -> str:
    return "".join(f'<p style="text-indent:2em">{html.escape(t)}</p>\n' for t in texts)


def notice_body(county: str, year: int) -> str:
    return _paras([
        "各乡镇人民政府、街道办事处，县政府各部门：",
        f"根据《中华人民共和国政府信息公开条例》和上级有关要求，现就做好{year}年政府信息公开工作年度报告"
        "编制和发布工作通知如下：",
        "一、严格执行格式要求。年度报告统一使用《中华人民共和国政府信息公开工作年度报告格式》，"
        "各项统计数据要准确，表格中的勾稽关系要一致。",
        f"二、按时发布。各单位须于{year + 1}年1月31日前在政府门户网站本单位信息公开专栏发布年度报告，"
        f"县政府年度报告于{year + 1}年3月31日前发布。",
        "三、报送备案。各单位发布后请将报告电子版报送县政务公开办公室。",
        f"{county}人民政府办公室",
    ])


def news_body(text: str) -> str:
    return _paras([text, "会议要求，各单位要提高思想认识，压实工作责任，确保政务公开各项工作落到实处。"])




# ---------------------------------------------------------------- running text, varied per unit and year

_OPENINGS = [
    "{y}年，{me}认真贯彻落实《条例》，坚持“公开为常态、不公开为例外”，围绕中心工作扎实推进政务公开。",
    "{y}年，{name}以提升政务公开质效为目标，健全工作机制，规范公开流程，各项工作有序推进。",
    "{y}年，在上级政务公开部门的指导下，{me}把政务公开作为建设法治政府的重要抓手，公开工作质量稳步提升。",
    "{y}年，{me}对照年度政务公开工作要点，逐项分解任务、压实责任，推动决策、执行、管理、服务、结果公开。",
    "{y}年，{name}聚焦群众关切，持续深化重点领域信息公开，以公开促落实、促规范、促服务。",
]
_ACTIVE = [
    "（一）主动公开情况。通过政府门户网站政府信息公开专栏及时公开政策文件、工作动态、财政预决算等信息。",
    "（一）主动公开情况。围绕乡村振兴、社会救助、安全生产等领域，按照公开目录及时更新栏目内容，做到应公开尽公开。",
    "（一）主动公开情况。规范性文件全部在门户网站集中公开，并同步发布图文解读，便于群众理解和查阅。",
    "（一）主动公开情况。财政预决算、“三公”经费、重大项目批准和实施等信息按时公开，接受社会监督。",
    "（一）主动公开情况。利用政务新媒体、公开栏和便民服务窗口等多种渠道发布信息，扩大信息覆盖面。",
]
_MANAGE = [
    "（三）政府信息管理情况。落实公开属性源头认定和保密审查制度，做到“先审查、后公开”。",
    "（三）政府信息管理情况。开展规范性文件清理，对失效、废止文件及时标注，动态更新政策文件库。",
    "（三）政府信息管理情况。建立信息发布三级审核机制，明确专人负责信息的收集、审核和发布。",
    "（三）政府信息管理情况。完善政府信息公开指南和公开目录，规范依申请公开的受理、办理和答复程序。",
]
_PLATFORM = [
    "（四）政府信息公开平台建设情况。加强政府网站和政务新媒体管理，及时更新信息公开专栏。",
    "（四）政府信息公开平台建设情况。优化信息公开专栏栏目设置，集约化平台运行稳定，全年未发生安全事故。",
    "（四）政府信息公开平台建设情况。在便民服务中心设置政务公开专区，提供查阅、咨询等服务。",
    "（四）政府信息公开平台建设情况。开展网站常态化监测，对错链断链、更新不及时等问题逐一整改。",
]
_OVERSIGHT = [
    "（五）监督保障情况。将政务公开工作纳入年度考核，定期开展自查，确保工作取得实效。",
    "（五）监督保障情况。组织政务公开业务培训，邀请专家授课，提高工作人员业务能力。",
    "（五）监督保障情况。设立监督电话，主动接受社会评议，对群众反映的问题及时整改。",
    "（五）监督保障情况。成立政务公开工作领导小组，主要负责同志亲自部署，分管负责同志具体落实。",
]
_PROBLEMS = {
    "解读": "政策解读形式不够丰富，图表图解、视频解读等形式运用较少",
    "及时": "部分信息公开的及时性有待提高，个别栏目更新较慢",
    "培训": "工作人员业务能力有待加强，对《条例》的理解还不够深入",
    "互动": "政民互动渠道不够畅通，对公众关切的回应还不够及时",
    "基层": "基层政务公开标准化规范化建设还需深化，公开事项目录有待完善",
    "申请": "依申请公开答复文书的规范性有待提高",
}
_FIXES = {
    "解读": "丰富政策解读形式，推出图解和视频解读",
    "及时": "建立栏目更新提醒制度，明确更新时限",
    "培训": "每季度组织一次业务培训，开展以案释法",
    "互动": "完善留言办理机制，做到件件有回复",
    "基层": "细化基层公开事项目录，推进公开标准落地",
    "申请": "统一答复文书格式，实行答复前法制审核",
}
_FEES = [
    "本年度未收取政府信息公开信息处理费。无其他需要报告的事项。",
    "依据《政府信息公开信息处理费管理办法》，本年度未收取信息处理费。",
    "本年度没有发生收取信息处理费的情况。无其他需要报告的事项。",
]


def self_word(name: str, level: str) -> str:
    """How a report calls its own unit: 我县, 我镇, 我乡, 我街道, 我局, 我委, 我区, 我办."""
    if level == "county":
        return "我" + (name.removesuffix("人民政府")[-1:] or "县")
    if level == "township":
        return "我街道" if "街道" in name else ("我乡" if "乡" in name[-6:] else "我镇")
    if level == "zone":
        return "我区"
    for suffix in ("局", "委", "办", "中心"):
        if suffix in name[-6:]:
            return "我" + suffix
    return "本单位"


def _problems(seed: int, code: str, year: int) -> list[str]:
    return random.Random(f"{seed}:{code}:{year}:problems").sample(sorted(_PROBLEMS), 2)


def report_paragraphs(seed: int, code: str, name: str, level: str, year: int, fmt: str, applications: str) -> dict[str, list[str]]:
    """Parts 一, 五 and 六 worded for this unit and year (chosen from pools, deterministic), so that two
    years of one unit, or two units, differ as real reports do; part 五 says how last year's problems
    were handled, part 六 (2021 format) whether 信息处理费 was charged."""
    rng = random.Random(f"{seed}:{code}:{year}:text")
    me = self_word(name, level)
    count = applications if applications and applications.isdigit() else None
    asked = (f"（二）依申请公开情况。本年度共受理政府信息公开申请{count}件，均在法定期限内予以答复。" if count is not None
             else "（二）依申请公开情况。严格按照法定程序和时限办理政府信息公开申请。")
    one = [rng.choice(_OPENINGS).format(y=year, me=me, name=name), rng.choice(_ACTIVE), asked,
           rng.choice(_MANAGE), rng.choice(_PLATFORM), rng.choice(_OVERSIGHT)]
    last = _problems(seed, code, year - 1)
    now = _problems(seed, code, year)
    five = [f"（一）上年度问题整改情况。针对上年度报告提出的{_PROBLEMS[last[0]]}等问题，"
            f"{me}{_FIXES[last[0]]}，{_FIXES[last[1]]}，已整改到位。",
            f"（二）存在的主要问题。一是{_PROBLEMS[now[0]]}；二是{_PROBLEMS[now[1]]}。",
            f"（三）改进措施。{year + 1}年，{me}将{_FIXES[now[0]]}，{_FIXES[now[1]]}，不断提升政务公开质量。"]
    six = [rng.choice(_FEES)] if fmt == schema.FORMAT_2021 else ["无。"]
    return {"1": one, "5": five, "6": six}
