"""Small diagnosis (ICD-10 医保版) and procedure (ICD-9-CM-3 医保版) lists for the demo world,
so 1307/1308 have rows to download. Sample data with the national column names and code
shapes (docs/catalogue-files.md), not the national lists: a deployment imports those.
"""

from __future__ import annotations

import csv
from pathlib import Path

# (chapter, chapter code range, chapter name, category code, category name, code, name)
DIAGNOSES = [
    ("2", "C00-D48", "肿瘤", "C34", "支气管和肺恶性肿瘤", "C34.900", "肺恶性肿瘤"),
    ("1", "A00-B99", "某些传染病和寄生虫病", "B18", "慢性病毒性肝炎", "B18.100", "慢性乙型病毒性肝炎"),
    ("4", "E00-E90", "内分泌、营养和代谢疾病", "E11", "2型糖尿病", "E11.900", "2型糖尿病不伴有并发症"),
    ("9", "I00-I99", "循环系统疾病", "I10", "特发性（原发性）高血压", "I10.x00", "原发性高血压"),
    ("9", "I00-I99", "循环系统疾病", "I25", "慢性缺血性心脏病", "I25.100", "动脉粥样硬化性心脏病"),
    ("9", "I00-I99", "循环系统疾病", "I63", "脑梗死", "I63.900", "脑梗死"),
    ("10", "J00-J99", "呼吸系统疾病", "J06", "多发和未特指部位的急性上呼吸道感染", "J06.900", "急性上呼吸道感染"),
    ("10", "J00-J99", "呼吸系统疾病", "J18", "病原体未特指的肺炎", "J18.900", "肺炎"),
    ("10", "J00-J99", "呼吸系统疾病", "J44", "其他慢性阻塞性肺病", "J44.900", "慢性阻塞性肺病"),
    ("11", "K00-K93", "消化系统疾病", "K35", "急性阑尾炎", "K35.800", "急性阑尾炎"),
    ("13", "M00-M99", "肌肉骨骼系统和结缔组织疾病", "M06", "其他类风湿性关节炎", "M06.900", "类风湿性关节炎"),
    ("13", "M00-M99", "肌肉骨骼系统和结缔组织疾病", "M45", "强直性脊柱炎", "M45.x00", "强直性脊柱炎"),
    ("14", "N00-N99", "泌尿生殖系统疾病", "N18", "慢性肾脏病", "N18.500", "慢性肾脏病5期"),
    ("15", "O00-O99", "妊娠、分娩和产褥期", "O80", "单胎顺产", "O80.000", "头位顺产"),
    ("19", "S00-T98", "损伤、中毒和外因的某些其他后果", "S72", "股骨骨折", "S72.000", "股骨颈骨折"),
]
# (chapter, chapter code range, chapter name, category code, category name, code, name)
PROCEDURES = [
    ("7", "35-39", "心血管系统手术", "36", "心脏血管手术", "36.0600", "非药物洗脱冠状动脉支架置入"),
    ("7", "35-39", "心血管系统手术", "36", "心脏血管手术", "36.0700", "药物洗脱冠状动脉支架置入"),
    ("7", "35-39", "心血管系统手术", "39", "血管其他手术", "39.9500", "血液透析"),
    ("9", "42-54", "消化系统手术", "45", "肠切开术、切除术和吻合术", "45.2300", "结肠镜检查"),
    ("9", "42-54", "消化系统手术", "47", "阑尾手术", "47.0100", "腹腔镜下阑尾切除术"),
    ("9", "42-54", "消化系统手术", "51", "胆道手术", "51.2300", "腹腔镜下胆囊切除术"),
    ("13", "72-75", "产科操作", "74", "剖宫产术和胎儿取出", "74.1x00", "低位子宫下段剖宫产"),
    ("14", "76-84", "肌肉骨骼系统手术", "81", "关节结构的修补术和整形术", "81.5100", "全髋关节置换"),
    ("16", "87-99", "各种诊断性和治疗性操作", "99", "其他非手术性操作", "99.2500", "注射或输注癌瘤化学治疗药物"),
]
VERSION_NAME = "演示样例（非国家目录）"


def write_code_lists(out_dir: Path) -> dict[str, Path]:
    """diagnoses.csv and procedures.csv in the import formats; the import kind → path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"diagnoses": out_dir / "diagnoses.csv", "procedures": out_dir / "procedures.csv"}
    _write(files["diagnoses"], ["cpr", "cpr_code_scp", "cpr_name", "cgy_code", "cgy_name", "diag_code", "diag_name",
                                "ver_name"], [[*row, VERSION_NAME] for row in DIAGNOSES])
    _write(files["procedures"], ["cpr", "cpr_code_scp", "cpr_name", "cgy_code", "cgy_name", "oprn_oprt_code",
                                 "oprn_oprt_name", "ver_name"], [[*row, VERSION_NAME] for row in PROCEDURES])
    return files


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
