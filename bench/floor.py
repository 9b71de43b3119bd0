"""The honest floor of a new round: the same work as `assembler build`, done by a minimal script with the raw
dependencies, in a fresh Python process (`python bench/floor.py job.json`).

pandoc (our reader flags, reference document and lua filter) starts first; while it runs, docxtpl fills the
shell; the body is spliced into the shell and zipped; Docxodus compares the FULL old and new documents; the
redline is re-zipped; the files are written and committed and tagged with plain git plumbing. Nothing of
the assembler is imported.
"""

import subprocess
import sys


def main() -> None:
    import json

    with open(sys.argv[1], encoding="utf-8") as handle:
        job = json.load(handle)
    with open(job["markdown"], "rb") as handle:
        markdown = handle.read()
    # pandoc first: the slowest step before the redline runs while Python imports and fills the shell.
    pandoc = subprocess.Popen(
        [
            job["pandoc"],
            "--sandbox",
            "-f",
            job["reader"],
            "-t",
            "docx",
            "-o",
            "-",
            f"--reference-doc={job['reference']}",
            f"--lua-filter={job['lua']}",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": str(job["epoch"])},
    )
    import io
    import os
    import zipfile

    from docxtpl import DocxTemplate
    from lxml import etree

    template = DocxTemplate(job["shell"])
    template.render(job["context"], autoescape=True)
    filled = io.BytesIO()
    template.save(filled)
    with zipfile.ZipFile(filled) as package:
        shell_xml = package.read("word/document.xml")

    body_docx, _ = pandoc.communicate(markdown)
    if pandoc.returncode:
        raise SystemExit("pandoc failed")
    with zipfile.ZipFile(io.BytesIO(body_docx)) as package:
        parts = {info.filename: package.read(info) for info in package.infolist()}

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    body_root, shell_root = etree.fromstring(parts["word/document.xml"]), etree.fromstring(shell_xml)
    body, shell = body_root.find(f"{w}body"), shell_root.find(f"{w}body")
    before, after, target = [], [], None
    target = before
    for child in shell:
        if child.tag == f"{w}sectPr":
            continue
        if child.tag == f"{w}p" and "".join(child.itertext(f"{w}t")).strip() == job["body_marker"]:
            target = after
            continue
        target.append(child)
    for index, element in enumerate(before):
        body.insert(index, element)
    section = body.find(f"{w}sectPr")
    for element in after:
        section.addprevious(element)
    parts["word/document.xml"] = etree.tostring(
        body_root, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    for name in [n for n in parts if n.startswith(("word/header", "word/footer"))]:
        for placeholder, text in job["markings"].items():
            parts[name] = parts[name].replace(placeholder.encode(), text.encode())

    def zipped(parts: dict) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for name in sorted(parts, key=lambda n: (n != "[Content_Types].xml", n)):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                package.writestr(info, parts[name], compresslevel=6)
        return out.getvalue()

    new_docx = zipped(parts)
    root = job["root"]
    document = os.path.join(root, job["document"])
    with open(document, "rb") as handle:
        old_docx = handle.read()

    from python_redlines import DocxodusEngine

    redline, _, _ = DocxodusEngine().run_redline(
        job["author"],
        old_docx,
        new_docx,
        detect_moves=True,
        move_similarity_threshold=1.0,
        date_time=job["when"],
    )
    with zipfile.ZipFile(io.BytesIO(redline)) as package:
        redline = zipped({info.filename: package.read(info) for info in package.infolist()})

    files = {
        job["document"]: new_docx,
        job["twin"]: markdown,
        job["redline"]: redline,
        job["redline_summary"]: b"# Changes\n",
    }
    for relative, data in files.items():
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)

    def git(*args: str, data: bytes | None = None) -> str:
        return subprocess.run(
            ["git", *args], cwd=root, input=data, capture_output=True, check=True
        ).stdout.decode()

    paths = [*files, job["deal_yaml"]]
    git("update-index", "--add", "--", *paths)  # hashes, writes the blobs and stages them
    tree = git("write-tree").strip()
    commit = git("commit-tree", tree, "-p", "HEAD", data=job["message"].encode()).strip()
    git("update-ref", "HEAD", commit)
    git("tag", "-a", "-m", job["tag"], job["tag"], commit)


if __name__ == "__main__":
    main()
