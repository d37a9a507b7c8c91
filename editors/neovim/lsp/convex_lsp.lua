-- convex-lsp for Neovim 0.11+ (vim.lsp.config / vim.lsp.enable).
--
-- Install the server (`./install.sh` in a checkout of convex-lsp), put this file on 'runtimepath' as
-- lsp/convex_lsp.lua (e.g. ~/.config/nvim/lsp/convex_lsp.lua), then in init.lua:
--
--   vim.lsp.enable('convex_lsp')
--
-- It runs next to your TypeScript server (ts_ls, vtsls), not instead of it. Override any
-- field with vim.lsp.config('convex_lsp', { ... }), e.g. a virtualenv's executable:
--
--   vim.lsp.config('convex_lsp', { cmd = { vim.fn.getcwd() .. '/.venv/bin/convex-lsp', 'serve' } })
--
-- The root is the nearest directory holding `convex.json`, or a `package.json` with a
-- `convex/` folder beside it; TypeScript files outside such a project get no client.
-- (Only vim.api and vim.loop are used, so the file also loads on older Neovim; the
-- repository's headless test drives it on Neovim 0.7 with vim.lsp.start_client.)

local uv = vim.uv or vim.loop

local function exists(path, kind)
  local st = uv.fs_stat(path)
  return st ~= nil and (kind == nil or st.type == kind)
end

local function parent(dir)
  local p = dir:match('^(.*)/[^/]*$')
  if p == nil or p == '' then
    return '/'
  end
  return p
end

--- The Convex project root of a file: the nearest directory (walking up) holding
--- `convex.json`, or `package.json` with a `convex/` directory next to it.
local function find_root(fname)
  if fname == nil or fname == '' then
    return nil
  end
  local dir = exists(fname, 'directory') and fname or parent(fname)
  while true do
    if exists(dir .. '/convex.json', 'file') then
      return dir
    end
    if exists(dir .. '/package.json', 'file') and exists(dir .. '/convex', 'directory') then
      return dir
    end
    local up = parent(dir)
    if up == dir then
      return nil
    end
    dir = up
  end
end

return {
  cmd = { 'convex-lsp', 'serve' },
  filetypes = { 'typescript', 'typescriptreact', 'javascript', 'javascriptreact' },
  -- root_markers cannot say "package.json with a convex/ folder", hence a function:
  -- no on_dir call (no client) for TypeScript files outside a Convex project.
  root_dir = function(bufnr, on_dir)
    local root = find_root(vim.api.nvim_buf_get_name(bufnr))
    if root then
      on_dir(root)
    end
  end,
  -- the server's settings under `convexLsp` (see the README's Configuration):
  -- debounce (ms), fullAnalysisDelayMs, hover, select, ignore, ...; a project's convex-lsp.toml wins over them
  init_options = { convexLsp = { hover = true } },
}
