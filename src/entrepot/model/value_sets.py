"""Enumerations owned by the warehouse: each code with its English and French label."""

from __future__ import annotations

from entrepot.model.schema import ValueSet


def _vs(name: str, **values: tuple[str, str]) -> ValueSet:
    return ValueSet(name, dict(values))


def _vs_codes(name: str, values: dict[str, tuple[str, str]]) -> ValueSet:
    return ValueSet(name, values)


VALUE_SETS: dict[str, ValueSet] = {
    vs.name: vs
    for vs in [
        _vs("sex", M=("male", "homme"), F=("female", "femme")),
        _vs("vital_status", alive=("alive", "vivant"), deceased=("deceased", "décédé")),
        # INSEE PCS 2020, first level (groupes socioprofessionnels).
        _vs_codes(
            "socio_professional_category",
            {
                "1": ("farmers", "agriculteurs exploitants"),
                "2": (
                    "craftspeople, shopkeepers, business owners",
                    "artisans, commerçants, chefs d'entreprise",
                ),
                "3": (
                    "managers and higher intellectual professions",
                    "cadres et professions intellectuelles supérieures",
                ),
                "4": ("intermediate professions", "professions intermédiaires"),
                "5": ("employees", "employés"),
                "6": ("manual workers", "ouvriers"),
                "7": ("retired", "retraités"),
                "8": (
                    "other people without professional activity",
                    "autres personnes sans activité professionnelle",
                ),
            },
        ),
        _vs(
            "cancer_type",
            breast=("breast", "sein"),
            ovary=("ovary", "ovaire"),
            lung=("lung", "poumon"),
        ),
        _vs(
            "laterality",
            left=("left", "gauche"),
            right=("right", "droite"),
            bilateral=("bilateral", "bilatéral"),
            not_applicable=("not applicable", "sans objet"),
            unknown=("unknown", "inconnu"),
        ),
        _vs_codes(
            "grade",
            {
                "1": ("grade 1, well differentiated", "grade 1, bien différencié"),
                "2": ("grade 2, moderately differentiated", "grade 2, moyennement différencié"),
                "3": ("grade 3, poorly differentiated", "grade 3, peu différencié"),
                "X": ("grade cannot be assessed", "grade non évaluable"),
            },
        ),
        _vs(
            "metastatic_site",
            bone=("bone", "os"),
            liver=("liver", "foie"),
            lung=("lung", "poumon"),
            brain=("brain", "cerveau"),
            pleura=("pleura", "plèvre"),
            peritoneum=("peritoneum", "péritoine"),
            distant_lymph_nodes=("distant lymph nodes", "ganglions à distance"),
            adrenal=("adrenal gland", "surrénale"),
            skin=("skin", "peau"),
            other=("other site", "autre site"),
        ),
        _vs(
            "receptor_status",
            positive=("positive", "positif"),
            negative=("negative", "négatif"),
            unknown=("unknown", "inconnu"),
        ),
        _vs(
            "her2_status",
            positive=("positive (IHC 3+ or ISH amplified)", "positif (IHC 3+ ou ISH amplifié)"),
            low=(
                "HER2-low (IHC 1+ or 2+ without amplification)",
                "HER2-faible (IHC 1+ ou 2+ non amplifié)",
            ),
            negative=("negative (IHC 0)", "négatif (IHC 0)"),
            unknown=("unknown", "inconnu"),
        ),
        _vs(
            "gene_status",
            altered=("mutated or rearranged", "muté ou réarrangé"),
            wild_type=("wild type", "sauvage"),
            not_tested=("not tested", "non testé"),
        ),
        _vs(
            "lung_histology",
            adenocarcinoma=("adenocarcinoma", "adénocarcinome"),
            squamous=("squamous cell carcinoma", "carcinome épidermoïde"),
            large_cell=("large cell carcinoma", "carcinome à grandes cellules"),
            nsclc_nos=(
                "non-small cell carcinoma, not otherwise specified",
                "carcinome non à petites cellules, sans autre indication",
            ),
            small_cell=("small cell carcinoma", "carcinome à petites cellules"),
            other=("other histology", "autre histologie"),
        ),
        _vs(
            "smoking_status",
            never=("never smoker", "non-fumeur"),
            former=("former smoker", "ancien fumeur"),
            current=("current smoker", "fumeur actif"),
            unknown=("unknown", "inconnu"),
        ),
        _vs(
            "treatment_kind",
            surgery=("surgery", "chirurgie"),
            radiotherapy=("radiotherapy", "radiothérapie"),
            chemotherapy=("chemotherapy", "chimiothérapie"),
            hormone_therapy=("hormone therapy", "hormonothérapie"),
            targeted_therapy=("targeted therapy", "thérapie ciblée"),
            immunotherapy=("immunotherapy", "immunothérapie"),
        ),
        _vs(
            "treatment_setting",
            neoadjuvant=("neoadjuvant (before surgery)", "néoadjuvant (avant chirurgie)"),
            curative=("curative local treatment", "traitement local à visée curative"),
            adjuvant=("adjuvant (after surgery)", "adjuvant (après chirurgie)"),
            metastatic=("metastatic or advanced disease", "maladie métastatique ou avancée"),
        ),
        _vs(
            "stop_reason",
            completed=("completed as planned", "terminé comme prévu"),
            progression=("disease progression", "progression de la maladie"),
            toxicity=("toxicity", "toxicité"),
            death=("death", "décès"),
            patient_choice=("patient's choice", "choix du patient"),
            ongoing=("ongoing at last news", "en cours aux dernières nouvelles"),
            other=("other reason", "autre raison"),
        ),
        _vs(
            "tumour_event_kind",
            local_recurrence=("local or regional recurrence", "récidive locale ou régionale"),
            distant_progression=(
                "distant progression or metastatic relapse",
                "progression ou rechute métastatique",
            ),
            new_metastatic_site=("new metastatic site", "nouveau site métastatique"),
        ),
        _vs(
            "measurement_kind",
            ecog=("ECOG performance status", "indice de performance ECOG"),
            weight=("body weight", "poids"),
            height=("height", "taille"),
            creatinine=("serum creatinine", "créatininémie"),
            haemoglobin=("haemoglobin", "hémoglobine"),
            neutrophils=("neutrophil count", "polynucléaires neutrophiles"),
            ca15_3=("CA 15-3 tumour marker", "marqueur tumoral CA 15-3"),
            ca125=("CA-125 tumour marker", "marqueur tumoral CA-125"),
            cea=("carcinoembryonic antigen", "antigène carcino-embryonnaire"),
        ),
        _vs(
            "relative",
            mother=("mother", "mère"),
            father=("father", "père"),
            sister=("sister", "sœur"),
            brother=("brother", "frère"),
            daughter=("daughter", "fille"),
            son=("son", "fils"),
            grandmother=("grandmother", "grand-mère"),
            grandfather=("grandfather", "grand-père"),
            aunt=("aunt", "tante"),
            uncle=("uncle", "oncle"),
            cousin=("cousin", "cousin ou cousine"),
        ),
        _vs(
            "family_cancer_site",
            breast=("breast", "sein"),
            ovary=("ovary", "ovaire"),
            lung=("lung", "poumon"),
            colorectal=("colon or rectum", "côlon ou rectum"),
            prostate=("prostate", "prostate"),
            pancreas=("pancreas", "pancréas"),
            endometrium=("endometrium", "endomètre"),
            other=("other site", "autre localisation"),
        ),
        _vs(
            "stay_type",
            inpatient=("inpatient stay (at least one night)", "hospitalisation complète"),
            day_case=("day case (no night)", "hospitalisation de jour"),
        ),
        _vs(
            "dispensing_kind",
            pharmacy=("community pharmacy", "pharmacie de ville"),
            retrocession=(
                "hospital retrocession (hospital pharmacy to an outpatient)",
                "rétrocession hospitalière",
            ),
        ),
        _vs(
            "link_method",
            token=("trusted third party's NIR token", "jeton NIR du tiers de confiance"),
            probabilistic=("probabilistic linkage", "chaînage probabiliste"),
        ),
        _vs(
            "cause_of_death_role",
            underlying=("underlying cause", "cause initiale"),
            associated=("associated cause", "cause associée"),
        ),
    ]
}


#: Unit and inclusive plausible range of each measurement kind: a value outside is
#: quarantined, a unit that is not this one too (units are not converted silently).
MEASUREMENT_UNITS: dict[str, tuple[str, float, float]] = {
    "ecog": ("score", 0, 4),
    "weight": ("kg", 25, 250),
    "height": ("cm", 120, 220),
    "creatinine": ("umol/L", 20, 1500),
    "haemoglobin": ("g/dL", 3, 22),
    "neutrophils": ("G/L", 0, 60),
    "ca15_3": ("kU/L", 0, 50000),
    "ca125": ("kU/L", 0, 50000),
    "cea": ("ug/L", 0, 50000),
}
