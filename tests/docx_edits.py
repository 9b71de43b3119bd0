"""Editing a .docx the way a counterparty's lawyer would: tracked and untracked changes, with lxml."""

from __future__ import annotations

import copy
import io
import zipfile

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CLAIM = {f"{{{W}}}author": "Pat Counsel (Partner LLP)", f"{{{W}}}date": "2026-11-20T10:00:00Z"}


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


class EditableDocx:
    def __init__(self, data: bytes, part: str = "word/document.xml") -> None:
        self.package = zipfile.ZipFile(io.BytesIO(data))
        self.part = part
        self.root = etree.fromstring(self.package.read(part))
        self.next_id = 5000
        self.comments: list[tuple[str, str, str, str]] = []  # id, author, date, text

    def _id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _change(self, tag: str) -> etree._Element:
        element = etree.Element(w(tag), {w("id"): self._id(), **CLAIM})
        return element

    def paragraph(self, contains: str) -> etree._Element:
        """The first paragraph containing `contains` (typed with straight quotes; Word's are curly)."""
        for p in self.root.iter(w("p")):
            if contains in "".join(t.text or "" for t in p.iter(w("t"))).replace("\u2019", "'"):
                return p
        raise AssertionError(f"no paragraph contains {contains!r}")

    def _split_run(self, paragraph: etree._Element, text: str) -> tuple[etree._Element, etree._Element]:
        """Isolate `text` in a run of its own; returns (run, its w:t)."""
        for run in paragraph.iter(w("r")):
            node = run.find(w("t"))
            if node is None or text not in (node.text or ""):
                continue
            before, after = node.text.split(text, 1)
            parent = run.getparent()
            index = parent.index(run)
            pieces = []
            for piece in (before, text, after):
                clone = copy.deepcopy(run)
                t = clone.find(w("t"))
                t.text = piece
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                pieces.append(clone)
            parent.remove(run)
            for offset, piece in enumerate(pieces):
                parent.insert(index + offset, piece)
            return pieces[1], pieces[1].find(w("t"))
        raise AssertionError(f"{text!r} is not inside one run")

    def tracked_replace(self, contains: str, old: str, new: str) -> None:
        run, node = self._split_run(self.paragraph(contains), old)
        deletion = self._change("del")
        run.addprevious(deletion)
        deleted = copy.deepcopy(run)
        deleted.find(w("t")).tag = w("delText")
        deletion.append(deleted)
        insertion = self._change("ins")
        deletion.addnext(insertion)
        node.text = new
        insertion.append(run)

    def tracked_delete(self, contains: str, text: str) -> None:
        """Delete `text` (inside one run) from the paragraph containing `contains`, as a tracked deletion."""
        run, _ = self._split_run(self.paragraph(contains), text)
        deletion = self._change("del")
        run.addprevious(deletion)
        deletion.append(run)
        for t in run.findall(w("t")):
            t.tag = w("delText")

    def tracked_append(self, contains: str, text: str) -> None:
        paragraph = self.paragraph(contains)
        insertion = self._change("ins")
        run = etree.SubElement(insertion, w("r"))
        t = etree.SubElement(run, w("t"))
        t.text = text
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        paragraph.append(insertion)

    def tracked_delete_paragraph(self, contains: str) -> None:
        paragraph = self.paragraph(contains)
        for run in list(paragraph.findall(w("r"))):
            deletion = self._change("del")
            run.addprevious(deletion)
            deletion.append(run)
            for t in run.findall(w("t")):
                t.tag = w("delText")
        ppr = paragraph.find(w("pPr"))
        if ppr is None:
            ppr = etree.SubElement(paragraph, w("pPr"))
            paragraph.insert(0, ppr)
        rpr = ppr.find(w("rPr"))
        if rpr is None:
            rpr = etree.SubElement(ppr, w("rPr"))
        rpr.append(self._change("del"))

    def tracked_move(self, contains: str, before_paragraph_containing: str) -> None:
        source = self.paragraph(contains)
        target = self.paragraph(before_paragraph_containing)
        copy_ = copy.deepcopy(source)
        name = "move" + self._id()
        for paragraph, kind in ((source, "moveFrom"), (copy_, "moveTo")):
            runs = list(paragraph.findall(w("r")))
            wrapper = self._change(kind)
            runs[0].addprevious(wrapper)
            for run in runs:
                wrapper.append(run)
                if kind == "moveFrom":
                    for t in run.findall(w("t")):
                        t.tag = w("delText")
            start = etree.Element(w(f"{kind}RangeStart"), {w("id"): self._id(), w("name"): name, **CLAIM})
            wrapper.addprevious(start)
            wrapper.addnext(etree.Element(w(f"{kind}RangeEnd"), {w("id"): start.get(w("id"))}))
        target.addprevious(copy_)

    def tracked_bold(self, contains: str, text: str) -> None:
        run, _ = self._split_run(self.paragraph(contains), text)
        rpr = run.find(w("rPr"))
        if rpr is None:
            rpr = etree.Element(w("rPr"))
            run.insert(0, rpr)
        old = copy.deepcopy(rpr)
        etree.SubElement(rpr, w("b"))
        change = self._change("rPrChange")
        change.append(old)
        rpr.append(change)

    def untracked_replace(self, contains: str, old: str, new: str) -> None:
        _, node = self._split_run(self.paragraph(contains), old)
        node.text = new

    def comment(self, contains: str, text: str, author: str, date: str) -> None:
        """A Word comment on the paragraph containing `contains` (in word/comments.xml, as Word writes)."""
        paragraph = self.paragraph(contains)
        cid = str(len(self.comments))
        self.comments.append((cid, author, date, text))
        ppr = paragraph.find(w("pPr"))
        start = etree.Element(w("commentRangeStart"), {w("id"): cid})
        if ppr is not None:
            ppr.addnext(start)
        else:
            paragraph.insert(0, start)
        paragraph.append(etree.Element(w("commentRangeEnd"), {w("id"): cid}))
        run = etree.SubElement(paragraph, w("r"))
        etree.SubElement(run, w("commentReference"), {w("id"): cid})

    def _comments_part(self) -> bytes:
        root = etree.Element(w("comments"), nsmap={"w": W})
        for cid, author, date, text in self.comments:
            comment = etree.SubElement(
                root, w("comment"), {w("id"): cid, w("author"): author, w("date"): date}
            )
            etree.SubElement(etree.SubElement(etree.SubElement(comment, w("p")), w("r")), w("t")).text = text
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def save(self) -> bytes:
        out = io.BytesIO()
        comments = b""
        if self.comments:
            comments = self._comments_part()
        names = set(self.package.namelist())
        has_part = "word/comments.xml" in names
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in self.package.infolist():
                data = self.package.read(info)
                if info.filename == self.part:
                    data = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)
                if comments and info.filename == "word/comments.xml":
                    data = comments
                if comments and has_part:
                    pass  # the part, its content type and its relationship exist already
                elif comments and info.filename == "[Content_Types].xml":
                    data = data.replace(
                        b"</Types>",
                        b'<Override PartName="/word/comments.xml" ContentType="application/'
                        b'vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>',
                    )
                if comments and info.filename == "word/_rels/document.xml.rels":
                    data = data.replace(
                        b"</Relationships>",
                        b'<Relationship Id="rIdComments9" Type="http://schemas.openxmlformats.org/'
                        b'officeDocument/2006/relationships/comments" Target="comments.xml"/>'
                        b"</Relationships>",
                    )
                target.writestr(info.filename, data)
            if comments and not has_part:
                target.writestr("word/comments.xml", comments)
        return out.getvalue()
