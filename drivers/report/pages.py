"""The report's pages as a document model: the numbers put into words, block by block.

:func:`document` turns a :class:`drivers.report.numbers.ReportNumbers` into a
:class:`Document`: the metadata of the report (title, date, brand) and a list of blocks
(sections, paragraphs, tables, figures with their one-sentence headline). Every sentence comes
from the message catalogs (:mod:`drivers.messages`), every number from the tables; this is
the one place where it is decided what the report says and in which order. The renderers
(:mod:`drivers.report.typst` for the PDF, :mod:`drivers.report.deck` for the slides) only
place the blocks.

Block kinds (the inputs a Typst template reads, see ``templates/report.typ``):

``section`` / ``subsection``
    ``title``; a section starts a new page.
``paragraph``
    ``text``; ``muted`` for notes.
``bullets``
    ``items``.
``key_figures``
    ``items``: ``label``, ``value``, ``note``.
``table``
    ``title`` (or empty), ``columns`` (header texts), ``rows`` (lists of texts), ``widths``
    (relative), ``align`` (``left``/``right`` per column).
``figure``
    ``headline`` (one sentence computed from the chart's numbers), ``caption``, and the
    chart (``file`` once rendered, :class:`drivers.report.charts.Chart` in Python).
``mark``
    ``name``: a position the renderer reports back (the executive summary's first and last
    page).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from drivers.analysis import one_outcome
from drivers.messages import Words, words
from drivers.metrics import natural_levels
from drivers.report.charts import Chart
from drivers.report.numbers import ReportNumbers, label
from drivers.study import default_top_box

#: Drivers labelled in a priority matrix (act-first first); the action lists name them all.
MATRIX_LABELS = 10
#: Height (inches) of a priority matrix with its numbered key (Chart.figure fits the key in),
#: so the matrix, its key and the action list under it share one page.
MATRIX_HEIGHT = 5.0
#: Drivers labelled by priority in each segment's matrix (the 3 largest are labelled too).
SEGMENT_LABELS = 3
#: Rows of a driver section's action list (the full list is in Appendix D).
ACTION_LIST = 8
#: Width at which chart labels wrap, in Latin characters (a Chinese character counts two).
LABEL_WRAP = 22


@dataclass
class Brand:
    """What a company puts on its report: name, logo, colours, confidentiality line.

    The study file's ``report:`` block and the command line set it; empty fields leave the
    template's defaults.
    """

    company: str = ""
    logo: str | None = None
    primary: str = "#1F3A5F"
    accent: str = "#D55E00"
    confidentiality: str = ""
    template: str | None = None


@dataclass
class Document:
    """The report as metadata and blocks, ready for a renderer."""

    meta: dict
    blocks: list[dict] = field(default_factory=list)

    def charts(self) -> list[tuple[dict, Chart]]:
        """Every figure block with its chart, in page order."""
        return [(b, b["chart"]) for b in self.blocks if b["kind"] == "figure"]


class _Pages:
    """Builds the blocks of one report in one language."""

    def __init__(self, numbers: ReportNumbers, lang: str, title: str, date, brand: Brand):
        self.n, self.lang = numbers, lang
        self.w: Words = words(lang)
        self.study, self.base = numbers.study, numbers.base
        self.csat, self.nps = numbers.csat, numbers.nps
        self.short = {self.csat: "CSAT", self.nps: "NPS"}
        if numbers.ces:
            self.short[numbers.ces] = "CES"
        self.blocks: list[dict] = []
        self.figures = 0
        self.meta = {
            "title": title, "subtitle": self.w("title_page.subtitle"), "lang": lang,
            "typst_lang": self.w.typst_lang, "justify": bool(self.w.raw("language.justify")),
            "date": None if date is None else str(date), "date_text": self.w.date(date),
            "company": brand.company, "logo": brand.logo, "primary": brand.primary,
            "accent": brand.accent, "confidentiality": brand.confidentiality,
            "contents": self.w("layout.contents"), "page_of": self.w("layout.page_of"),
        }

    # -- blocks
    def add(self, kind: str, **fields) -> None:
        self.blocks.append({"kind": kind, **fields})

    def table(self, frame: pd.DataFrame, columns: dict[str, str], widths, title: str = "",
              align: dict[str, str] | None = None) -> None:
        align = align or {}
        rows = [[_cell(v) for v in row]
                for row in frame[list(columns)].itertuples(index=False, name=None)]
        self.add("table", title=title, columns=list(columns.values()), rows=rows,
                 widths=list(widths),
                 align=[align.get(c, "left") for c in columns])

    def figure(self, key: str, draw, height: float, caption: str, headline: str,
               ncols: int = 1, kind: str = "axes") -> None:
        self.figures += 1
        chart = Chart(key=f"fig{self.figures:02d}-{key}", draw=draw, height=height,
                      lang=self.lang, ncols=ncols, kind=kind)
        self.add("figure", chart=chart, caption=caption, headline=headline)

    # -- words
    def label(self, name: str) -> str:
        return label(self.study, name, self.lang)

    def column_label(self, column: str) -> str:
        """A segment or wave column's name for a reader (the study's label when it has one)."""
        shown = self.study.label(column, self.lang)
        return shown if shown != column else column.replace("_", " ")

    def value_label(self, column: str, value) -> str:
        """A segment or wave value for a reader (the study's value label when it has one)."""
        return str(self.study.value_label(column, value, self.lang))

    def score(self, name: str, value: float) -> str:
        if self.study.outcome(name).kind == "nps":
            return self.w.points(value, signed=True)
        return self.w.percent(value)

    def score_interval(self, name: str, low: float, high: float) -> str:
        return self.w.interval(self.score(name, low), self.score(name, high))

    def share_interval(self, low: float, high: float) -> str:
        return self.w.interval(self.w.pct(low), self.w.pct(high))

    def lead(self, lead: str) -> str:
        if lead == f"{self.csat.upper()}-led":
            return self.w("values.csat_led")
        if lead == f"{self.nps.upper()}-led":
            return self.w("values.nps_led")
        return self.w(f"values.{lead}") if self.w.has(f"values.{lead}") else str(lead)

    def confidence(self, row, in_text: bool = False) -> str:
        """"high (93%)" in a table, "high confidence, 93%" in a sentence's brackets."""
        level = confidence_level(row)
        text = self.w(f"values.confidence_{level}")
        probability = row.get("quadrant_probability")
        if level == "none" or probability is None or not np.isfinite(probability):
            return text
        key = "values.confidence_in_text" if in_text else "values.confidence_with_p"
        return self.w(key, level=text, p=f"{100 * probability:.0f}")

    def trend_test(self, name: str) -> str:
        """' (p = 0.10, not significant)': the test of an outcome's first-to-last move."""
        moves = self.n.tables.get("wave_changes")
        if moves is None or name not in set(moves["outcome"]):
            return ""
        row = moves.set_index("outcome").loc[name]
        p = row["p_value"]
        return self.w("summary.trend_test",
                      p=self.w.number(p, 2) if p >= 0.005 else self.w("summary.p_small"),
                      ns="" if row["significant"] else self.w("summary.not_significant"))

    def gain(self, row) -> str:
        """'+2.1 (0.8 to 3.4)': an expected gain with its interval, in its outcome's points."""
        if not np.isfinite(row.get("gain", np.nan)):
            return "–"
        text = self.w.points(row["gain"], signed=True, digits=1)
        if np.isfinite(row.get("gain_ci_low", np.nan)):
            text += self.w.bracket(self.w.interval(
                self.w.points(row["gain_ci_low"], signed=True, digits=1),
                self.w.points(row["gain_ci_high"], signed=True, digits=1)))
        return text

    def quadrant(self, name: str) -> str:
        return self.w(f"chart.quadrant_{_key(name)}")

    # -- pages
    def title_page(self) -> None:
        w, f = self.w, self.n.facts
        why = w("title_page.base_applicable") if f["base"]["not_applicable"] else \
            w("title_page.base_all")
        waves = self.w.join(self.value_label(self.study.wave_column, v) for v in f["waves"]) \
            if f["waves"] else w("title_page.no_waves")
        self.meta["lines"] = [
            w("title_page.respondents", n=f["n"],
              weighted=w("title_page.weighted") if f["weighted"] else ""),
            w("title_page.base", n=f["n_used"], total=f["n"], why=why),
            w("title_page.fieldwork", waves=waves),
            w("title_page.intervals", b=f["bootstrap"], seed=f["seed"]),
        ]
        if f.get("sample"):
            self.meta["lines"].append(w("title_page.sample", **f["sample"]))

    def summary(self) -> None:
        w, f, csat, nps = self.w, self.n.facts, self.csat, self.nps
        self.add("section", title=w("summary.title"))
        self.add("mark", name="summary-start")
        outcome = self.study.outcome(csat)
        top = outcome.top or default_top_box(outcome.scale)

        def note(name):
            text = w("summary.ci_note", interval=self.score_interval(
                name, f[name]["ci_low"], f[name]["ci_high"]))
            trend = f[name].get("trend")
            if trend:
                waves = list(trend)
                text += "\n" + w("summary.trend_note", first=self.value_label(
                    self.study.wave_column, waves[0]), last=self.value_label(
                    self.study.wave_column, waves[-1]), delta=self.w.points(
                    trend[waves[-1]] - trend[waves[0]], signed=True, digits=1),
                    test=self.trend_test(name))
            return text

        self.add("key_figures", items=[
            {"label": w("summary.csat_box", top=top), "value": self.score(csat, f[csat]["score"]),
             "note": note(csat)},
            {"label": w("summary.nps_box"), "value": self.score(nps, f[nps]["score"]),
             "note": note(nps)},
            {"label": w("summary.base_box"), "value": f"{f['n_used']:,}",
             "note": w("summary.base_note", total=f["n"])}])
        headline = w("summary.headline", n=f["n"],
                     weighted=w("summary.headline_weighted") if f["weighted"] else "",
                     csat=self.score(csat, f[csat]["score"]), top=top,
                     csat_interval=self.score_interval(csat, f[csat]["ci_low"],
                                                       f[csat]["ci_high"]),
                     nps=self.score(nps, f[nps]["score"]),
                     nps_interval=self.score_interval(nps, f[nps]["ci_low"], f[nps]["ci_high"]))
        dims = self.n.tables["drivers_dimension"].set_index("driver")
        d_csat, d_nps = f["top_dimension"][csat], f["top_dimension"][nps]
        key = "summary.dims_same" if d_csat == d_nps else "summary.dims_differ"
        self.add("paragraph", text=headline + " " + w(
            key, csat_dim=self.label(d_csat), nps_dim=self.label(d_nps),
            csat_share=self.w.pct(dims.loc[d_csat, f"share_{csat}"]),
            nps_share=self.w.pct(dims.loc[d_nps, f"share_{nps}"])))
        if f.get("sample"):
            self.add("paragraph", text=w("summary.sample", **f["sample"]), muted=True)
        if "trend" in f[csat]:
            self.trend_figure()
        attr = self.n.tables["drivers_attribute"]
        rows = []
        for k in range(min(3, len(attr))):
            row = {"rank": str(k + 1)}
            for name in (csat, nps):
                ordered = attr.sort_values(f"rank_{name}", kind="mergesort").iloc[k]
                row[f"d_{name}"] = self.label(ordered["driver"])
                row[f"s_{name}"] = self.w.pct(ordered[f"share_{name}"])
            rows.append(row)
        self.table(pd.DataFrame(rows), {
            "rank": w("table.rank"), f"d_{csat}": w("table.driver_of", o="CSAT"),
            f"s_{csat}": w("table.share"), f"d_{nps}": w("table.driver_of", o="NPS"),
            f"s_{nps}": w("table.share")}, (5, 38, 9, 38, 9), title=w("summary.top_drivers"),
            align={f"s_{csat}": "right", f"s_{nps}": "right"})
        self.add("paragraph", text=self.top_ties(), muted=True)
        chosen = self.n.tables["first_actions"]
        rule = chosen.attrs["rule"]
        if len(chosen):
            self.actions_table(chosen, w("summary.actions_title"), with_outcome=True)
            self.blocks[-1]["role"] = "first_actions"  # the deck's actions slide
        else:
            self.add("subsection", title=w("summary.actions_title"))
            self.add("paragraph", text=w("summary.no_actions"))
        self.add("paragraph", text=w(
            "summary.actions_note", p=f"{100 * rule['min_quadrant_probability']:.0f}",
            ci=f"{100 * rule['ci']:g}", k=chosen.attrs["n_candidates"],
            units=self.w.join(self.w("summary.unit_nps") if self.study.outcome(o).kind == "nps"
                              else self.w("summary.unit_top_box", o=self.short[o])
                              for o in (self.csat, self.nps))), muted=True)
        self.add("mark", name="summary-end")

    def top_ties(self) -> str:
        """Which drivers cannot be told apart from each outcome's top driver."""
        w, items = self.w, []
        for name in (self.csat, self.nps):
            table = self.n.importance(name).sort_values("share", ascending=False,
                                                        kind="mergesort")
            tied = table[tied_with_top(table)]
            if len(tied) > 1:
                items.append(w("summary.tie", o=self.short[name],
                               names=self.w.join(self.label(d) for d in tied["driver"])))
        if not items:
            return w("summary.no_ties")
        return w("summary.ties", items=w("advice.separator").join(items))

    def trend_figure(self) -> None:
        from drivers.plots import trend_plot

        w, f = self.w, self.n.facts
        wave = self.study.wave_column
        table = self.n.tables["outcomes_by_wave"]
        table = table[table["outcome"].isin([self.csat, self.nps])].copy()
        # Labels in the waves' own order (a category), whatever the labels' alphabet.
        order = [self.value_label(wave, v) for v in natural_levels(table[wave])]
        table[wave] = pd.Categorical([self.value_label(wave, v) for v in table[wave]],
                                     categories=list(dict.fromkeys(order)))
        trend = f[self.csat]["trend"]
        waves = list(trend)
        headline = w("headlines.trend", first=self.value_label(wave, waves[0]),
                     last=self.value_label(wave, waves[-1]),
                     csat_delta=self.w.points(trend[waves[-1]] - trend[waves[0]], True, 1),
                     nps_delta=self.w.points(f[self.nps]["trend"][waves[-1]]
                                             - f[self.nps]["trend"][waves[0]], True, 1),
                     csat_test=self.trend_test(self.csat), nps_test=self.trend_test(self.nps))
        self.figure("trend", lambda ax: trend_plot(table, ax=ax, wave=wave,
                                                   labels=self.short, lang=self.lang),
                    2.3, w("summary.trend_caption"), headline)

    def actions_table(self, table: pd.DataFrame, title: str, with_outcome: bool = False,
                      limit: int | None = None) -> None:
        w = self.w
        matrix = self.n.tables[f"priority_{self.csat}"]
        scale = matrix.attrs.get("scale") or (1, 5)
        top_box = matrix.attrs.get("performance_kind") == "top_box"
        frame = table.head(limit) if limit else table
        shown = pd.DataFrame({
            "rank": [str(i) for i in range(1, len(frame) + 1)] if with_outcome
            else [str(p) for p in frame["priority"]],
            "label": [self.label(a) for a in frame["attribute"]],
            "dimension": [self.label(d) if isinstance(d, str) and d else "–"
                          for d in frame["dimension"]],
            "importance": [self.w.pct(v) + (self.w.bracket(self.share_interval(lo, hi))
                                            if pd.notna(lo) else "")
                           for v, lo, hi in zip(frame["importance"], frame["importance_ci_low"],
                                                frame["importance_ci_high"], strict=True)],
            "performance": [self.w.number(v, 1 if top_box else 2)
                            for v in frame["performance"]],
            "quadrant": [self.quadrant(q) for q in frame["quadrant"]],
            "confidence": [self.confidence(r) for _, r in frame.iterrows()],
        })
        if with_outcome:
            shown["gain"] = [self.gain(r) for _, r in frame.iterrows()]
        columns = {"rank": w("table.rank"), "label": w("table.action"),
                   "dimension": w("table.dimension")}
        widths = [5, 36, 18]
        if with_outcome:
            # The outcome the driver ranked best for first: its gain is in that outcome's units.
            shown["drives"] = [self.w.join(self.short.get(o.strip(), o) for o in
                                           [first, *(x for x in s.split(", ") if x != first)])
                               for first, s in zip(frame["outcome"], frame["outcomes"],
                                                   strict=True)]
            columns["drives"] = w("table.drives")
            widths = [4, 30, 15, 11]
        perf = w("table.performance_top_box") if top_box else w(
            "table.performance", lo=f"{scale[0]:g}", hi=f"{scale[1]:g}")
        columns.update({"importance": w("table.share"), "performance": perf,
                        "quadrant": w("table.quadrant"), "confidence": w("table.confidence")})
        widths += [17, 10, 16, 16] if with_outcome else [20, 11, 17, 18]
        if with_outcome:
            columns["gain"] = w("table.gain")
            widths.append(20)
        self.table(shown, columns, widths, title=title,
                   align={"importance": "right", "performance": "right"})

    def drivers_section(self, name: str) -> None:
        from drivers.plots import priority_matrix_plot, ranking_plot

        w, short = self.w, self.short[name]
        self.add("section", title=w("drivers.title", o=short))
        self.add("paragraph", text=w("drivers.intro", label=self.label(name), o=short))
        dims = self.n.importance(name, "dimension")
        self.add("subsection", title=w("drivers.dimensions"))
        self.figure(f"{name}-dimensions", lambda ax: ranking_plot(
            dims, ax=ax, labels=self.base, lang=self.lang), 0.45 * len(dims) + 1.3,
            w("drivers.dim_caption", o=short), self.ranking_headline(dims, short, "dims"))
        table = self.n.importance(name, "attribute")
        self.add("subsection", title=w("drivers.attributes"))
        self.figure(f"{name}-attributes", lambda ax: ranking_plot(
            table, ax=ax, labels=self.base, lang=self.lang), 0.3 * len(table) + 1.0,
            w("drivers.attr_caption", o=short), self.ranking_headline(table, short, "attrs"))
        self.add("subsection", title=w("drivers.matrix"))
        matrix = self.n.tables[f"priority_{name}"]
        self.figure(f"{name}-matrix", lambda ax: priority_matrix_plot(
            matrix, ax=ax, labels=self.base, lang=self.lang, n_labels=MATRIX_LABELS,
            label_key=True),
            MATRIX_HEIGHT, w("drivers.matrix_caption", o=short,
                             k=min(MATRIX_LABELS, len(matrix))),
            self.matrix_headline(self.n.tables[f"actions_{name}"], short))
        self.actions_table(self.n.tables[f"actions_{name}"], w("drivers.action_list", o=short),
                           limit=ACTION_LIST)

    def ranking_headline(self, table: pd.DataFrame, outcome: str, level: str) -> str:
        """One sentence on a ranking: who leads, and whether the lead is statistically clear."""
        ordered = table.sort_values("share", ascending=False, kind="mergesort")
        tied = tied_with_top(ordered)
        names = [self.label(d) for d in ordered["driver"]]
        shares = ordered["share"].to_numpy(dtype=float)
        if level == "dims":
            if len(ordered) > 1 and tied[1]:
                return self.w("headlines.dims_tied", top=names[0], second=names[1],
                              o=outcome, share=self.w.pct(shares[0]),
                              share2=self.w.pct(shares[1]))
            return self.w("headlines.dims_lead", top=names[0], o=outcome,
                          share=self.w.pct(shares[0]))
        group = int(tied.sum())
        if 1 < group <= 3:
            return self.w("headlines.attrs_top_tied", names=self.w.join(names[:group]),
                          o=outcome, share=self.w.pct(shares[:group].sum()))
        k = min(3, len(names))
        return self.w("headlines.attrs_top", names=self.w.join(names[:k]), o=outcome,
                      share=self.w.pct(shares[:k].sum()))

    def matrix_headline(self, actions: pd.DataFrame, outcome: str) -> str:
        fix = actions[actions["quadrant"] == "Fix first"]
        if len(fix):
            names = self.w.join(self.label(r["attribute"]) + self.w.bracket(self.confidence(r, True))
                                for _, r in fix.head(3).iterrows())
            key = "headlines.matrix_fix_one" if len(fix) == 1 else "headlines.matrix_fix"
            return self.w(key, count=len(fix), o=outcome, names=names)
        keep = actions[actions["quadrant"] == "Maintain"]["attribute"].head(2)
        return self.w("headlines.matrix_no_fix", o=outcome,
                      names=self.w.join(self.label(a) for a in keep) or self.w(
                          "headlines.nobody"))

    def compare_section(self) -> None:
        from drivers.plots import importance_scatter, ranking_pair_plot

        w, csat, nps = self.w, self.csat, self.nps
        attr = self.n.tables["drivers_attribute"]
        self.add("section", title=w("compare.title"))
        self.add("paragraph", text=w("compare.intro", n=attr.attrs["n_used"],
                                     k=len(attr), q=f"{100 * (1 - attr.attrs['ci']):g}",
                                     min=self.w.number(100 * attr.attrs["min_difference"], 0)))
        dims = self.n.tables["drivers_dimension"]
        top_c = dims.sort_values(f"share_{csat}", ascending=False, kind="mergesort")
        top_n = dims.sort_values(f"share_{nps}", ascending=False, kind="mergesort")
        d_c, d_n = top_c["driver"].iloc[0], top_n["driver"].iloc[0]
        headline = (w("headlines.compare_dims_same", dim=self.label(d_c)) if d_c == d_n else
                    w("headlines.compare_dims", csat_dim=self.label(d_c),
                      nps_dim=self.label(d_n)))
        self.figure("compare-dimensions", lambda axes: ranking_pair_plot(
            one_outcome(dims, csat), one_outcome(dims, nps), axes=axes, labels=self.base,
            lang=self.lang, titles=("CSAT", "NPS")), 0.45 * len(dims) + 1.3,
            w("compare.dims_caption"), headline, ncols=2)
        leads = {lead: attr[attr["lead"] == lead] for lead in (f"{csat.upper()}-led",
                                                               f"{nps.upper()}-led")}
        counts = [len(v) for v in leads.values()]
        headline = (w("headlines.scatter", csat_count=counts[0], nps_count=counts[1])
                    if sum(counts) else w("headlines.scatter_none"))
        self.figure("compare-scatter", lambda ax: importance_scatter(
            attr, ax=ax, x=f"share_{csat}", y=f"share_{nps}", labels=self.base,
            lang=self.lang), 4.9, w("compare.scatter_caption"), headline)
        self.add("subsection", title=w("compare.leads"))
        lines = []
        for lead, rows in leads.items():
            rows = rows.sort_values("diff", ascending=lead.startswith(nps.upper()),
                                    kind="mergesort")
            if len(rows):
                lines.append(w("compare.lead_line", lead=self.lead(lead), names=self.w.join(
                    f"{self.label(d)}{self.w.bracket(self.w.points(100 * v, signed=True))}"
                    for d, v in zip(rows["driver"], rows["diff"], strict=True))))
        if lines:
            self.add("bullets", items=lines)
        else:
            self.add("paragraph", text=w("compare.no_leads"))
        self.relation_pages()

    def relation_pages(self) -> None:
        from drivers.plots import crosstab_heatmap, divergent_profile_plot

        w, relation = self.w, self.n.relation
        self.add("subsection", title=w("compare.relation"))
        pearson = relation.correlation.iloc[0]
        self.add("paragraph", text=w(
            "compare.relation_intro", r=self.w.number(pearson["r"], 2),
            interval=self.w.interval(self.w.number(pearson["ci_low"], 2),
                                     self.w.number(pearson["ci_high"], 2)),
            n=int(pearson["n"])))
        cross = relation.crosstab
        sat = cross[(cross["csat_group"] == "top box") & (cross["nps_group"] == "detractor")]
        pro = cross[(cross["csat_group"] == "not top box") & (cross["nps_group"] == "promoter")]
        headline = w("headlines.crosstab", share=self.w.percent(float(sat["pct"].sum()), 1),
                     share2=self.w.percent(float(pro["pct"].sum()), 1))
        self.figure("crosstab", lambda ax: crosstab_heatmap(cross, ax=ax, lang=self.lang), 2.6,
                    w("compare.crosstab_caption"), headline)
        self.add("subsection", title=w("compare.divergent"))
        self.add("paragraph", text=w("compare.divergent_intro"))
        div = relation.divergent
        names = {g: self.w.raw(f"divergent.{g}") for g in div["group"]}
        shown = pd.DataFrame({
            "label": [names[g][0] for g in div["group"]],
            "definition": [names[g][1] for g in div["group"]],
            "n": [f"{int(v):,}" for v in div["n"]],
            "share": [self.w.number(s, 1) + self.w.bracket(self.w.interval(
                self.w.number(lo, 1), self.w.number(hi, 1))) for s, lo, hi in
                zip(div["share"], div["ci_low"], div["ci_high"], strict=True)],
            "base": [self.w.number(s, 1) + self.w.bracket(self.w.interval(
                self.w.number(lo, 1), self.w.number(hi, 1))) for s, lo, hi in
                zip(div["share_of_base"], div["base_ci_low"], div["base_ci_high"],
                    strict=True)]})
        self.table(shown, {"label": w("table.group"), "definition": w("table.definition"),
                           "n": w("table.n"), "share": w("table.share_all"),
                           "base": w("table.share_base")}, (28, 36, 9, 22, 22),
                   align={"n": "right"})
        profiles = relation.profiles
        chosen = profiles[(profiles["group"] == "satisfied_not_promoting")
                          & (profiles["kind"] == "attribute")]
        if len(chosen) and chosen["smd"].notna().any():
            top = min(10, int(chosen["smd"].notna().sum()))
            largest = chosen.loc[chosen["smd"].abs().sort_values(
                ascending=False, kind="mergesort").index[:2], "item"]
            headline = w("headlines.profile",
                         names=self.w.join(self.label(i) for i in largest))
            self.figure("profile", lambda ax: divergent_profile_plot(
                profiles, group="satisfied_not_promoting", kind="attribute", ax=ax,
                labels=self.study, lang=self.lang, top=top), 0.32 * top + 1.9,
                w("compare.profile_caption"), headline)
        self.add("subsection", title=w("compare.advice"))
        self.add("paragraph", text=self.advice_text())

    def advice_text(self) -> str:
        w, advice = self.w, self.n.advice
        reasons = w("advice.separator").join(
            w(key, **self.advice_params(params)) for key, params in advice.checks)
        return w("advice.keep_both" if advice.keep_both else "advice.drop_one",
                 reasons=reasons)

    def advice_params(self, params: dict) -> dict:
        out = {}
        for key, value in params.items():
            if isinstance(value, float):
                out[key] = self.w.number(value, 2)
            elif isinstance(value, dict):
                out[key] = self.w.join(f"{self.value_label(self.study.wave_column, k)}"
                                       f"{self.w.bracket('r = ' + self.w.number(v, 2))}"
                                       for k, v in value.items())
            elif isinstance(value, list):
                out[key] = self.w.join(self.label(v) for v in value)
            else:
                out[key] = value
        return out

    def segments_section(self) -> None:
        from drivers.plots import nps_composition_plot

        w, study = self.w, self.study
        self.add("section", title=w("segments.title"))
        segments = [s for s in study.segment_columns if s != study.wave_column]
        if not segments and "outcomes_by_wave" not in self.n.tables:
            self.add("paragraph", text=w("segments.none"))
        for segment in segments:
            name = self.column_label(segment)
            self.add("subsection", title=w("segments.by", s=name))
            table = self.n.tables[f"outcomes_by_{segment}"]
            self.outcome_rows(table, segment, w("segments.table", s=name))
            self.add("paragraph", text=self.segment_gaps(segment))
            nps_rows = table[table["outcome"] == self.nps]
            overall = self.n.tables["outcomes"]
            overall = overall[overall["outcome"] == self.nps].assign(**{segment: None})
            both = pd.concat([overall, nps_rows], ignore_index=True)
            values = {v: self.value_label(segment, v) for v in nps_rows[segment]}
            scores = nps_rows.set_index(segment)["score"]
            low, high = scores.idxmin(), scores.idxmax()
            headline = (w("headlines.segment_mix", low=self.score(self.nps, scores[low]),
                          low_name=values[low], high=self.score(self.nps, scores[high]),
                          high_name=values[high], segment=name)
                        if len(scores) > 1 else
                        w("headlines.segment_mix_one", high=self.score(self.nps, scores[high]),
                          high_name=values[high]))
            self.figure(f"mix-{segment}", lambda ax, both=both, segment=segment, values=values:
                        nps_composition_plot(both, ax=ax, group=segment, lang=self.lang,
                                             overall=self.w("values.all"), names=values),
                        0.4 * len(both) + 1.2, w("segments.mix_caption", s=name), headline)
        if segments:
            by = segments[0]
            for outcome in (self.csat, self.nps):
                key = f"segment_priority_{outcome}"
                if key in self.n.tables:
                    self.segment_matrix(self.n.tables[key], outcome, by)
        if "outcomes_by_wave" in self.n.tables:
            self.add("subsection", title=w("segments.waves"))
            self.outcome_rows(self.n.tables["outcomes_by_wave"], study.wave_column,
                              w("segments.wave_table"))
            moves = [self.n.tables.get(f"wave_movement_{o}") for o in (self.csat, self.nps)]
            if all(m is not None for m in moves):
                self.wave_movement(moves)

    def segment_gaps(self, segment: str) -> str:
        """Which groups of a segment column stand out from the rest, after the correction."""
        w, name = self.w, self.column_label(segment)
        gaps = self.n.tables["segment_differences"]
        gaps = gaps[(gaps["segment"] == segment) & gaps["outcome"].isin(list(self.short))]
        found = gaps[gaps["significant"].astype(bool)]
        level = f"{100 * (1 - gaps.attrs.get('ci', 0.95)):g}"
        if not len(found):
            return w("segments.no_gaps", s=name, q=level,
                     outcomes=self.w.join(self.short[o] for o in self.n.outcomes))
        items = []
        for _, row in found.iterrows():
            other = (w("segments.rest") if row["compared_with"] == "rest"
                     else self.value_label(segment, row["compared_with"]))
            items.append(w("segments.gap", o=self.short[row["outcome"]],
                           group=self.value_label(segment, row["level"]), other=other,
                           diff=self.w.points(row["difference"], signed=True, digits=1),
                           interval=self.w.interval(
                               self.w.points(row["ci_low"], signed=True, digits=1),
                               self.w.points(row["ci_high"], signed=True, digits=1))))
        return w("segments.gaps", s=name, q=level, items=w("advice.separator").join(items))

    def wave_movement(self, moves) -> None:
        from drivers.plots import wave_movement_plot

        w, wave = self.w, self.study.wave_column
        for outcome, moved in zip((self.csat, self.nps), moves, strict=True):
            first = self.value_label(wave, moved["wave_from"].iloc[0])
            last = self.value_label(wave, moved["wave_to"].iloc[0])
            distance = np.hypot(moved["performance_to"] - moved["performance_from"],
                                100 * (moved["importance_to"] - moved["importance_from"]))
            name = self.label(moved["driver"].iloc[int(np.argmax(distance.to_numpy()))])
            shown = moved.assign(wave_from=first, wave_to=last)
            shown.attrs = dict(moved.attrs)
            self.figure(f"waves-{outcome}", lambda ax, shown=shown: wave_movement_plot(
                shown, ax=ax, labels=self.base, lang=self.lang), 4.6,
                w("segments.wave_move_caption", first=first, last=last,
                  o=self.short[outcome]),
                w("headlines.wave_move", first=first, last=last, name=name,
                  o=self.short[outcome]))
            self.add("paragraph", text=self.share_moves(outcome, first, last))

    def share_moves(self, outcome: str, first: str, last: str) -> str:
        """Which dimension shares moved significantly between the first and last wave."""
        w = self.w
        moves = self.n.tables[f"importance_changes_{outcome}"]
        level = f"{100 * (1 - moves.attrs.get('ci', 0.95)):g}"
        found = moves[moves["significant"].astype(bool)]
        if not len(found):
            return w("segments.no_share_moves", o=self.short[outcome], first=first, last=last,
                     q=level)
        items = [w("segments.share_move", name=self.label(r["driver"]),
                   diff=self.w.points(100 * r["difference"], signed=True, digits=1),
                   interval=self.w.interval(self.w.points(100 * r["ci_low"], True, 1),
                                            self.w.points(100 * r["ci_high"], True, 1)))
                 for _, r in found.iterrows()]
        return w("segments.share_moves", o=self.short[outcome], first=first, last=last,
                 q=level, items=w("advice.separator").join(items))

    def segment_matrix(self, matrix: pd.DataFrame, outcome: str, by: str) -> None:
        """Small multiples, two per row at a size where their labels stay readable."""
        from matplotlib.lines import Line2D

        from drivers.plots import segment_priority_plot
        from drivers.style import point_style

        w, name = self.w, self.column_label(by)
        short = self.short[outcome]
        segments = list(dict.fromkeys(matrix["segment"]))
        names = {s: self.value_label(by, s) for s in segments}
        fixing = {s: matrix[(matrix["segment"] == s) & (matrix["quadrant"] == "Fix first")]
                  .sort_values("importance", ascending=False).head(2) for s in segments}
        fix = {s: [self.label(d) for d in part["driver"]] for s, part in fixing.items()}
        common = set.intersection(*(set(v) for v in fix.values())) if fix else set()
        # Each group's most important Fix-first driver with its probability of being there
        # (the caption says so): one sentence, however many groups and however long the names.
        shown = {s: [self.label(r["driver"]) + (self.w.bracket(self.w.percent(
                     100 * r["quadrant_probability"])) if np.isfinite(
                     r["quadrant_probability"]) else "") for _, r in part.head(1).iterrows()]
                 for s, part in fixing.items()}
        if not any(fix.values()):
            headline = w("headlines.segment_matrix_none", segment=name)
        elif common and all(fix.values()):
            headline = w("headlines.segment_matrix_same", segment=name,
                         names=self.w.join(sorted(common)))
        else:
            headline = w("headlines.segment_matrix", segment=name, parts=w(
                "advice.separator").join(w("headlines.segment_matrix_part", name=names[s],
                                           drivers=self.w.join(v) or w("headlines.nobody"))
                                         for s, v in shown.items()))
        rows = -(-len(segments) // 2)

        def draw(fig):
            grid = fig.subplots(rows, 2, squeeze=False).ravel()
            for spare in grid[len(segments):]:
                spare.remove()
            order = list(self.base.dimensions)
            handles = [Line2D([], [], label=self.label(d), **point_style(d, order))
                       for d in order]
            fig.legend(handles=handles, loc="outside lower center", ncol=min(4, len(order)))
            segment_priority_plot(matrix, axes=grid[:len(segments)], labels=self.base,
                                  lang=self.lang, n_labels=SEGMENT_LABELS, ncols=2, names=names,
                                  label_key=True)

        self.add("subsection", title=w("segments.matrices", o=short, s=name))
        self.figure(f"segments-{outcome}", draw, 3.3 * rows + 0.5,
                    w("segments.matrix_caption", o=short, s=name, k=SEGMENT_LABELS,
                      b=int(matrix.attrs.get("bootstrap") or 0)), headline, kind="figure")

    def outcome_rows(self, table: pd.DataFrame, by: str, title: str) -> None:
        w = self.w
        rows = []
        for level, part in table.groupby(by, sort=False):
            row = {"level": self.value_label(by, level)}
            for name in (self.csat, self.nps):
                one = part[part["outcome"] == name].iloc[0]
                row[name] = self.score(name, one["score"])
                row[f"{name}_ci"] = self.score_interval(name, one["ci_low"], one["ci_high"])
                row["n"] = f"{int(one['n']):,}"
            rows.append(row)
        self.table(pd.DataFrame(rows), {
            "level": self.column_label(by).capitalize(), "n": w("table.n"),
            self.csat: "CSAT", f"{self.csat}_ci": w("table.interval"), self.nps: "NPS",
            f"{self.nps}_ci": w("table.interval")}, (30, 12, 12, 24, 12, 24), title=title,
            align={"n": "right", self.csat: "right", self.nps: "right"})

    def appendix(self) -> None:
        w, f = self.w, self.n.facts
        csat = self.study.outcome(self.csat)
        weights = w("appendix.weights") if f["weighted"] else ""
        self.add("section", title=w("appendix.method"))
        if f["base"]["not_applicable"]:
            blocks = w("appendix.blocks_na", dims=self.w.join(
                self.label(d) for d in f["base"]["dimensions"]))
            base_text = w("appendix.base_applicable", n=f["base"]["n"], total=f["n"],
                          na=f["base"]["not_applicable"], blocks=blocks, used=f["n_used"])
        else:
            base_text = w("appendix.base_all", n=f["n"], used=f["n_used"])
        for text in self.w.raw("appendix.method_paragraphs"):
            self.add("paragraph", text=text.format(
                top=csat.top or default_top_box(csat.scale), lo=csat.scale[0], hi=csat.scale[1],
                weights=weights, base_text=base_text, listwise=f["listwise"],
                n=f["base"]["n"], b=f["bootstrap"], seed=f["seed"]))
        if f.get("sample"):
            self.add("paragraph", text=w("appendix.sample", **f["sample"]))

        self.add("section", title=w("appendix.quality"))
        self.add("paragraph", text=w("appendix.quality_intro_file", **f["sample"])
                 if f.get("sample") else w("appendix.quality_intro", n=f["n"]))
        quality = self.n.tables["data_quality"]
        reasons = [c for c in quality.columns if c not in ("column", "label", "answered")]
        columns = {"label": w("table.question"), "answered": w("table.answered")}
        columns.update({r: w(f"reasons.{r}") if self.w.has(f"reasons.{r}") else r
                        for r in reasons})
        self.table(quality.assign(**{c: [f"{int(v):,}" for v in quality[c]]
                                     for c in ["answered", *reasons]}), columns,
                   [60, 14] + [14] * len(reasons),
                   align={c: "right" for c in ["answered", *reasons]})

        self.add("section", title=w("appendix.diagnostics"))
        self.add("paragraph", text=w("appendix.diag_intro"))
        fit = self.n.tables["model_fit"].set_index("measure")
        rows = []
        for measure in ("n", "r2", "adj_r2", "cv_r2", "max_vif", "condition_number"):
            if measure not in fit.index:
                continue
            row = {"measure": w(f"fit.{measure}", n=int(fit.loc["cv_n", self.csat]))
                   if measure == "cv_r2" else w(f"fit.{measure}")}
            for name in (self.csat, self.nps):
                value = fit.loc[measure, name]
                row[name] = f"{int(value):,}" if measure == "n" else self.w.number(
                    value, 1 if measure == "condition_number" else 3)
            rows.append(row)
        self.table(pd.DataFrame(rows), {"measure": w("table.measure"), self.csat: "CSAT",
                                        self.nps: "NPS"}, (40, 30, 30), title=w("appendix.fit"),
                   align={self.csat: "right", self.nps: "right"})
        vif = self.n.tables["model_vif"]
        two = {c: [self.w.number(v, 2) for v in vif[c]] for c in vif.columns
               if c.split("_")[0] in ("vif", "beta", "r") and c != "r"}
        self.table(vif.assign(label=[self.label(d) for d in vif["driver"]], **two), {
            "label": w("table.driver"), f"vif_{self.csat}": w("table.vif"),
            f"beta_{self.csat}": w("table.beta", o="CSAT"),
            f"r_{self.csat}": w("table.r", o="CSAT"),
            f"beta_{self.nps}": w("table.beta", o="NPS"),
            f"r_{self.nps}": w("table.r", o="NPS")}, (52, 14, 16, 16, 16, 16),
            title=w("appendix.vif_title"),
            align={c: "right" for c in two})
        self.add("subsection", title=w("appendix.findings"))
        if self.n.findings:
            self.add("bullets", items=[self.finding(key, params)
                                       for key, params in self.n.findings])
        else:
            self.add("paragraph", text=w("appendix.no_findings"))

        self.add("section", title=w("appendix.tables"))
        for key, title in (("drivers_dimension", w("appendix.full_dims")),
                           ("drivers_attribute", w("appendix.full_compare"))):
            self.compare_table(self.n.tables[key], title)
        perf = self.n.tables["attribute_performance"]
        self.table(perf.assign(
            label=[self.label(a) for a in perf["attribute"]],
            mean=[self.w.number(v, 2) for v in perf["mean"]],
            ci=[self.w.interval(self.w.number(lo, 2), self.w.number(hi, 2))
                for lo, hi in zip(perf["mean_ci_low"], perf["mean_ci_high"], strict=True)],
            top_box=[self.w.number(v, 1) for v in perf["top_box"]],
            n=[f"{int(v):,}" for v in perf["n"]]),
            {"label": w("table.driver"), "mean": w("table.mean"), "ci": w("table.interval"),
             "top_box": w("table.top_box"), "n": w("table.n")}, (62, 14, 26, 16, 12),
            title=w("appendix.full_perf"), align={"mean": "right", "top_box": "right",
                                                   "n": "right"})
        for name in self.n.outcomes:
            self.actions_table(self.n.tables[f"actions_{name}"],
                               w("appendix.full_matrix", o=self.short[name]))

    def finding(self, key: str, params: dict) -> str:
        shown = dict(params)
        if "o" in shown:
            shown["o"] = self.short.get(shown["o"], shown["o"])
        if "s" in shown:
            shown["s"] = self.column_label(shown["s"])
        if "names" in shown:
            shown["names"] = self.w.join(shown["names"])
        for number in ("value", "limit"):
            if number in shown:
                shown[number] = self.w.number(shown[number], 1 if number == "value" else 0)
        return self.w(key, **shown)

    def compare_table(self, table: pd.DataFrame, title: str) -> None:
        w, csat, nps = self.w, self.csat, self.nps

        def share(name):
            low = table.get(f"share_{name}_ci_low", pd.Series(np.nan, index=table.index))
            high = table.get(f"share_{name}_ci_high", pd.Series(np.nan, index=table.index))
            return [self.w.pct(s) + (self.w.bracket(self.share_interval(lo, hi))
                                     if pd.notna(lo) else "")
                    for s, lo, hi in zip(table[f"share_{name}"], low, high, strict=True)]

        shown = pd.DataFrame({
            "label": [self.label(d) for d in table["driver"]],
            "csat": share(csat), "nps": share(nps),
            "diff": [self.w.points(100 * d, signed=True) + (self.w.bracket(self.w.interval(
                self.w.points(100 * lo, signed=True), self.w.points(100 * hi, signed=True)))
                if pd.notna(lo) else "") for d, lo, hi in
                zip(table["diff"], table["diff_ci_low"], table["diff_ci_high"], strict=True)],
            "lead": [self.lead(x) for x in table["lead"]],
        })
        self.table(shown, {"label": w("table.driver"), "csat": "CSAT", "nps": "NPS",
                           "diff": w("table.difference"), "lead": w("table.lead")},
                   (50, 24, 24, 28, 16), title=title,
                   align={"csat": "right", "nps": "right", "diff": "right"})


def document(numbers: ReportNumbers, lang: str = "en", title: str | None = None, date=None,
             brand: Brand | None = None) -> Document:
    """The report's blocks in ``lang`` (see the module docstring for the block kinds)."""
    pages = _Pages(numbers, lang, title or study_title(numbers.study, lang), date,
                   brand or Brand())
    pages.title_page()
    pages.summary()
    pages.drivers_section(numbers.csat)
    pages.drivers_section(numbers.nps)
    if numbers.ces:
        pages.drivers_section(numbers.ces)
    pages.compare_section()
    pages.segments_section()
    pages.appendix()
    pages.add("mark", name="report-end")
    return Document(meta=pages.meta, blocks=pages.blocks)


def study_title(study, lang: str) -> str:
    """The study's title in ``lang`` (its ``title_zh`` for Chinese when it has one)."""
    return study.title_for(lang)


def confidence_level(row) -> str:
    """``high``, ``moderate``, ``low`` or ``none`` for a priority-matrix or action row.

    The joint bootstrap's ``confidence`` (:data:`drivers.priority.CONFIDENCE_THRESHOLDS`);
    ``none`` without a bootstrap.

    >>> confidence_level(pd.Series({"confidence": "moderate"}))
    'moderate'
    >>> confidence_level(pd.Series({"confidence": pd.NA}))
    'none'
    """
    value = row.get("confidence")
    return value if isinstance(value, str) and value else "none"


def tied_with_top(ordered: pd.DataFrame) -> np.ndarray:
    """Which rows (sorted by share, largest first) cannot be told apart from the top one.

    The ``tied_with_top`` column of the paired differences
    (:func:`drivers.analysis.one_outcome`); without a bootstrap no tie is claimed and only
    the top row is marked.
    """
    if "tied_with_top" in ordered.columns:
        return ordered["tied_with_top"].fillna(False).to_numpy(dtype=bool)
    return np.arange(len(ordered)) == 0


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return str(value)


def _key(quadrant: str) -> str:
    return quadrant.lower().replace(" ", "_")
