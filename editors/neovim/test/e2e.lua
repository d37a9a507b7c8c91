-- End-to-end test of editors/neovim/lsp/convex_lsp.lua inside a real Neovim (headless).
--
--   CONVEX_LSP_ROOT=/tmp/copy-of-examples-app CONVEX_LSP_RESULT=/tmp/result.json \
--     nvim --headless -u NONE -c "luafile editors/neovim/test/e2e.lua"
--
-- Optional: CONVEX_LSP_CMD (a JSON array overriding the config's cmd, e.g. a specific
-- Python), CONVEX_LSP_CONFIG (the config file; default: ../lsp/convex_lsp.lua).
-- Works on Neovim 0.7+ (vim.lsp.start_client + vim.lsp.buf_attach_client). Writes a JSON
-- report to CONVEX_LSP_RESULT and exits 0 on success, 1 on failure.

local RULE = 'deprecated-bigint-validator' -- CVX105: safe fix v.bigint() -> v.int64()
local FILE = 'convex/validators_demo.ts'
local TIMEOUT = tonumber(os.getenv("CONVEX_LSP_TIMEOUT_MS") or "") or 60000

local report = { ok = false, steps = {} }
local function step(name, value)
  table.insert(report.steps, name)
  if value ~= nil then
    report[name] = value
  end
end

local function finish(ok, err)
  report.ok = ok
  report.error = err
  report.nvim = tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch
  local out = os.getenv('CONVEX_LSP_RESULT')
  if out then
    local f = assert(io.open(out, 'w'))
    f:write(vim.json.encode(report))
    f:close()
  end
  if not ok then
    io.stderr:write('e2e failed: ' .. tostring(err) .. '\n')
  end
  for _, c in pairs(vim.lsp.get_active_clients()) do
    c.stop(true)
  end
  vim.cmd(ok and 'qall!' or 'cquit 1')
end

local function script_dir()
  local src = debug.getinfo(1, 'S').source:sub(2)
  return vim.fn.fnamemodify(src, ':p:h')
end

local function main()
  local root = assert(os.getenv('CONVEX_LSP_ROOT'), 'set CONVEX_LSP_ROOT')
  root = vim.fn.fnamemodify(root, ':p'):gsub('/$', '')
  local config_path = os.getenv('CONVEX_LSP_CONFIG') or (script_dir() .. '/../lsp/convex_lsp.lua')
  local cfg = dofile(config_path)
  assert(vim.deep_equal(cfg.cmd, { 'convex-lsp', 'serve' }), 'config cmd')
  assert(vim.tbl_contains(cfg.filetypes, 'typescript') and vim.tbl_contains(cfg.filetypes, 'typescriptreact'))
  local cmd = cfg.cmd
  if os.getenv('CONVEX_LSP_CMD') and os.getenv('CONVEX_LSP_CMD') ~= '' then
    cmd = vim.json.decode(os.getenv('CONVEX_LSP_CMD'))
  end
  step('config loaded', config_path)

  vim.cmd('filetype on')
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/' .. FILE))
  local bufnr = vim.api.nvim_get_current_buf()
  assert(vim.tbl_contains(cfg.filetypes, vim.bo[bufnr].filetype), 'filetype ' .. vim.bo[bufnr].filetype)

  -- the config's root_dir, as vim.lsp.enable would call it
  local found_root
  cfg.root_dir(bufnr, function(r) found_root = r end)
  assert(found_root == root, 'root_dir gave ' .. tostring(found_root) .. ', expected ' .. root)
  -- no root (no client) outside a Convex project
  local outside = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(outside, '/tmp/not-a-convex-project-' .. vim.fn.getpid() .. '/x.ts')
  local none
  cfg.root_dir(outside, function(r) none = r end)
  assert(none == nil, 'a root outside a Convex project: ' .. tostring(none))
  step('root_dir', found_root)

  local raw = {} -- the LSP diagnostics as published, by uri
  local messages = {}
  local client_id = vim.lsp.start_client({
    name = 'convex_lsp',
    cmd = cmd,
    root_dir = found_root,
    workspace_folders = { { uri = vim.uri_from_fname(found_root), name = 'app' } },
    init_options = cfg.init_options,
    flags = { debounce_text_changes = 50 },
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        raw[result.uri] = result.diagnostics
        return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
      end,
      ['window/showMessage'] = function(_, result)
        table.insert(messages, result)
      end,
    },
  })
  assert(client_id, 'start_client failed')
  assert(vim.lsp.buf_attach_client(bufnr, client_id), 'buf_attach_client failed')
  step('client started', client_id)

  local uri = vim.uri_from_bufnr(bufnr)
  local function ours()
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.source == 'convex-lsp' then
        table.insert(out, d)
      end
    end
    return out
  end
  local function has_rule(ds)
    for _, d in ipairs(ds) do
      local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
      if code == RULE then
        return d
      end
    end
  end

  assert(vim.wait(TIMEOUT, function() return has_rule(ours()) ~= nil end, 50),
    'no ' .. RULE .. ' diagnostic (got ' .. #ours() .. ' convex-lsp diagnostics)')
  step('diagnostics', #ours())

  local lsp_diag
  for _, d in ipairs(raw[uri] or {}) do
    if d.code == RULE then
      lsp_diag = d
    end
  end
  assert(lsp_diag, 'the published LSP diagnostic')
  assert(lsp_diag.codeDescription and lsp_diag.codeDescription.href:match('CVX105'), 'codeDescription.href')

  -- hover on the diagnostic: the rule and the spec citation
  local hover = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', {
    textDocument = { uri = uri }, position = lsp_diag.range.start,
  }, TIMEOUT)
  local res = hover and hover[client_id] and hover[client_id].result
  assert(res and res.contents, 'no hover')
  local text = type(res.contents) == 'table' and (res.contents.value or vim.inspect(res.contents)) or res.contents
  assert(text:find('Convex Architecture Spec §', 1, true), 'hover without the spec citation: ' .. text)
  step('hover', text)

  -- the quick fix: apply its edit, the diagnostic goes away
  local actions = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = lsp_diag.range,
    context = { diagnostics = { lsp_diag }, only = { 'quickfix' } },
  }, TIMEOUT)
  local list = actions and actions[client_id] and actions[client_id].result or {}
  local fix, titles = nil, {}
  for _, a in ipairs(list) do
    table.insert(titles, a.title)
    if a.isPreferred and a.edit and fix == nil then
      fix = a
    end
  end
  assert(fix, 'no preferred quick fix among: ' .. table.concat(titles, ' | '))
  step('code actions', titles)
  local client = vim.lsp.get_client_by_id(client_id)
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding or 'utf-16')
  local line = vim.api.nvim_buf_get_lines(bufnr, lsp_diag.range.start.line, lsp_diag.range.start.line + 1, false)[1]
  assert(line:find('v.int64()', 1, true), 'the edit was not applied: ' .. line)
  step('edit applied', line)

  assert(vim.wait(TIMEOUT, function()
    local ds = ours()
    return #ds > 0 and has_rule(ds) == nil
  end, 50), RULE .. ' still reported after the fix')
  step('diagnostic removed', #ours())

  for _, m in ipairs(messages) do
    assert(m.type ~= 1, 'the server showed an error: ' .. m.message)
  end
end

local ok, err = xpcall(main, debug.traceback)
finish(ok, ok and nil or err)
