"""COCO-DR (Yu et al., EMNLP 2022): iDRO fine-tuning and COCO pretraining, with the paper's ablation.

Importing this package registers `coco_dr.idro_ablation`; the experiment's heavy modules (torch,
transformers) are imported only when it runs.
"""
