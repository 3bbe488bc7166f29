"""The Gram matrix of the per-group gradients `G_g = d L_g / d theta_sel` that the iDRO update needs.

Two exact ways:

* `loop_group_grads`: the official one, `autograd.grad` once per present group (K extra backward passes over
  the graph). Kept as the reference the fast path is tested against.
* `GroupGradRecorder`: one ordinary backward pass of the *weighted* training loss `sum_n w_n l_n`. Every example's
  sequences run through the encoder independently of the other examples (no in-batch negatives in the iDRO loss),
  so the gradient arriving at a token t of example n is `w_n * d l_n / d out_t`. For a Linear layer the weight
  gradient is a sum over tokens of `b_t a_t^T` (b: output gradient, a: input); for a LayerNorm it is
  `sum_t b_t * xhat_t`; biases `sum_t b_t`. Rescaling each token's `b_t` by `v_n / w_n` and summing per group
  gives every group gradient `sum_{n in g} v_n grad l_n` exactly (v_n = 1/c_g for group means), at the cost of one
  extra weight-gradient computation for the selected layers: the groups partition the tokens, so the K group
  gradients together cost what the one weight gradient costs. The (K_present, D_module) blocks are built one
  module at a time and folded into the K x K Gram, so the (K, D) matrix never exists whole.

  This is not the DP-SGD "ghost" Gram (`<g_n, g_m> = sum_ts (a_t.a_s)(b_t.b_s)`): that costs O((N T)^2 d) per layer,
  which for 32 examples x ~300 tokens is far more than materialising d_in x d_out per group.

DDP: group gradients must be summed over workers *before* normalisation. The per-module blocks are all-reduced
(only rows of groups present somewhere in the global batch), as the official code all-reduces its (K, D) matrix;
the communication is the official code's, the K backward passes are gone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from torch import nn


def last_layer_names(model: nn.Module, n_layers: int) -> list[str]:
    """Names of the parameters in the last `n_layers` transformer layers (`...layer.<i>.` naming, as BERT)."""
    import re

    pattern = re.compile(r"layer\.(\d+)\.")
    indices = sorted({int(m.group(1)) for name, _ in model.named_parameters() if (m := pattern.search(name))})
    if not indices:
        raise ValueError("model has no parameters named like 'layer.<i>.'")
    chosen = set(indices[-n_layers:])
    return [name for name, _ in model.named_parameters() if (m := pattern.search(name)) and int(m.group(1)) in chosen]


def loop_group_grads(group_losses: torch.Tensor, present: torch.Tensor, params: Sequence[torch.Tensor]) -> torch.Tensor:
    """(K, D) flattened gradients of each present group's loss; zero rows for absent groups (official method)."""
    import torch

    dim = sum(p.numel() for p in params)
    out = torch.zeros(len(group_losses), dim, dtype=group_losses.dtype, device=group_losses.device)
    for g in range(len(group_losses)):
        if present[g]:
            grads = torch.autograd.grad(group_losses[g], list(params), retain_graph=True, allow_unused=True)
            flat = [
                (gr if gr is not None else torch.zeros_like(p)).reshape(-1) for gr, p in zip(grads, params, strict=True)
            ]
            out[g] = torch.cat(flat)
    return out


@dataclass
class _Capture:
    """One forward call of one module: its input (or normalised input) and, after backward, its output grad."""

    a: torch.Tensor
    token_rows: torch.Tensor  # example-row index of every token in this call, (M,)
    b: torch.Tensor | None = None


@dataclass
class _Tag:
    rows: torch.Tensor  # (R,) index of each batch row in the example list


@dataclass
class GroupGradRecorder:
    """Hooks on the selected Linear / LayerNorm modules that collect what the group gradients need.

    Usage: `with recorder.rows(idx): emb = encode(batch)` for every forward call whose rows are examples
    `idx`; then `loss.backward()`; then `recorder.gram(groups, scale, k)`; then `recorder.clear()`.
    """

    model: nn.Module
    param_names: Sequence[str]
    _modules: dict[str, nn.Module] = field(default_factory=dict)
    _captures: dict[str, list[_Capture]] = field(default_factory=dict)
    _tag: _Tag | None = None
    _handles: list = field(default_factory=list)

    def __post_init__(self) -> None:
        from torch import nn

        wanted = set(self.param_names)
        covered: set[str] = set()
        for mod_name, module in self.model.named_modules():
            own = [f"{mod_name}.{p}" if mod_name else p for p, _ in module.named_parameters(recurse=False)]
            own = [p for p in own if p in wanted]
            if not own:
                continue
            if not isinstance(module, nn.Linear | nn.LayerNorm):
                raise NotImplementedError(f"{mod_name} ({type(module).__name__}): only Linear/LayerNorm supported")
            if len(own) != len(list(module.parameters(recurse=False))):
                raise ValueError(f"select all or none of {mod_name}'s parameters")
            covered.update(own)
            self._modules[mod_name] = module
            self._captures[mod_name] = []
            self._handles.append(module.register_forward_hook(self._hook(mod_name)))
        missing = wanted - covered
        if missing:
            raise ValueError(f"parameters not found or not owned by a supported module: {sorted(missing)[:5]}")

    @property
    def params(self) -> list[torch.Tensor]:
        """Selected parameters in `model.named_parameters()` order (the order `loop_group_grads` flattens)."""
        wanted = set(self.param_names)
        return [p for n, p in self.model.named_parameters() if n in wanted]

    def close(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    @contextmanager
    def rows(self, example_index: torch.Tensor) -> Iterator[None]:
        """Capture forward calls inside this block; batch row r belongs to example `example_index[r]`."""
        self._tag = _Tag(rows=example_index)
        try:
            yield
        finally:
            self._tag = None

    def clear(self) -> None:
        for caps in self._captures.values():
            caps.clear()

    def _hook(self, name: str):
        import torch
        from torch import nn

        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            if self._tag is None or not torch.is_grad_enabled() or not output.requires_grad:
                return
            x = inputs[0].detach()
            if isinstance(module, nn.LayerNorm):
                # Only the normalised input enters the LayerNorm's weight gradient.
                x = torch.nn.functional.layer_norm(x, module.normalized_shape, eps=module.eps)
            per_row = x.shape[1] if x.dim() == 3 else 1
            cap = _Capture(a=x.reshape(-1, x.shape[-1]), token_rows=self._tag.rows.repeat_interleave(per_row))

            def grad_hook(grad: torch.Tensor) -> None:
                cap.b = grad.detach().reshape(-1, grad.shape[-1])

            output.register_hook(grad_hook)
            self._captures[name].append(cap)

        return hook

    def _module_group_grads(
        self, name: str, token_scale_of_row: torch.Tensor, group_of_row: torch.Tensor, present: torch.Tensor
    ) -> torch.Tensor:
        """(P, D_module) group gradients for the P present groups, in the module's parameter order."""
        import torch
        from torch import nn

        caps = [c for c in self._captures[name] if c.b is not None]
        module = self._modules[name]
        n_present = len(present)
        slot_of_group = torch.full((int(max(present.max(), group_of_row.max())) + 1,), -1, dtype=torch.long)
        slot_of_group[present.cpu()] = torch.arange(n_present)
        # float32 products (exact to ~1e-6 relative); the Gram itself is accumulated in float64.
        a = torch.cat([c.a for c in caps]).float()
        dev = a.device
        rows = torch.cat([c.token_rows for c in caps]).cpu()
        b = torch.cat([c.b for c in caps]).float() * token_scale_of_row[rows].float().to(dev)[:, None]
        token_slot = slot_of_group[group_of_row.cpu()[rows]].to(dev)
        parts: list[torch.Tensor] = []
        if isinstance(module, nn.Linear):
            weight = torch.zeros(n_present, b.shape[1], a.shape[1], device=dev)
            order = torch.argsort(token_slot)
            counts = torch.bincount(token_slot, minlength=n_present).tolist()
            for s, (bs, as_) in enumerate(zip(b[order].split(counts), a[order].split(counts), strict=True)):
                if len(bs):
                    weight[s] = bs.T @ as_
            parts.append(weight.reshape(n_present, -1))
        else:  # LayerNorm: weight gradient sums b * xhat
            parts.append(torch.zeros(n_present, b.shape[1], device=dev).index_add_(0, token_slot, b * a))
        if module.bias is not None:
            parts.append(torch.zeros(n_present, b.shape[1], device=dev).index_add_(0, token_slot, b))
        return torch.cat(parts, dim=1)

    def gram(
        self, group_of_row: torch.Tensor, token_scale_of_row: torch.Tensor, k: int, present: torch.Tensor
    ) -> torch.Tensor:
        """K x K Gram of the group gradients (float64).

        `group_of_row[n]`: group of example n; `token_scale_of_row[n]`: v_n / w_n, the factor that turns the
        captured gradients of the backpropagated loss (weight w_n on example n) into those of the group
        gradient (weight v_n); `present`: sorted ids of groups present in the (global) batch. Under
        torch.distributed the group gradients are summed over workers before the inner products.
        """
        import torch
        import torch.distributed as dist

        distributed = dist.is_available() and dist.is_initialized()
        gram_present = torch.zeros(len(present), len(present), dtype=torch.float64)
        for name in self._modules:
            block = self._module_group_grads(name, token_scale_of_row, group_of_row, present)
            if distributed:
                dist.all_reduce(block)
            # float32 products over D (relative error ~1e-7 per term), summed over modules in float64
            gram_present += (block @ block.T).double().cpu()
        out = torch.zeros(k, k, dtype=torch.float64)
        out[present[:, None], present[None, :]] = gram_present
        return out
