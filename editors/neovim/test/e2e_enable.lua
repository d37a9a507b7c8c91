-- End-to-end test of Neovim 0.11+ set up exactly as the README says: the shipped
-- lsp/convex_lsp.lua on 'runtimepath' (~/.config/nvim/lsp/) and `vim.lsp.enable('convex_lsp')`
-- in init.lua; the server is whatever `convex-lsp` is first on PATH.
--
--   XDG_CONFIG_HOME=<dir with nvim/init.lua + nvim/lsp/convex_lsp.lua> \
--   CONVEX_LSP_ROOT=/tmp/copy-of-examples-app CONVEX_LSP_RESULT=/tmp/result.json \
--     nvim --headless -c "luafile editors/neovim/test/e2e_enable.lua"
--
-- Proves from inside Neovim: the client attaches by itself, diagnostics arrive, a hover cites
-- the spec, a quick fix is applied and its diagnostic goes away, an index is renamed across
-- files, an edit of schema.ts re-diagnoses another open file (and undoing it clears that
-- diagnostic again), definition from an `internal.*` reference lands on the registration,
-- completion offers the schema's tables. Writes a JSON report and exits 0 / 1.

local TIMEOUT = tonumber(os.getenv('CONVEX_LSP_TIMEOUT_MS') or '') or 60000

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
  local v = vim.version()
  report.nvim = v.major .. '.' .. v.minor .. '.' .. v.patch
  local out = os.getenv('CONVEX_LSP_RESULT')
  if out then
    local f = assert(io.open(out, 'w'))
    f:write(vim.json.encode(report))
    f:close()
  end
  if not ok then
    io.stderr:write('e2e failed: ' .. tostring(err) .. '\n')
  end
  for _, c in ipairs(vim.lsp.get_clients()) do
    c:stop(true)
  end
  vim.cmd(ok and 'qall!' or 'cquit 1')
end

local root

local function open(rel)
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/' .. rel))
  return vim.api.nvim_get_current_buf()
end

local function client_of(bufnr)
  local found
  vim.wait(TIMEOUT, function()
    found = vim.lsp.get_clients({ bufnr = bufnr, name = 'convex_lsp' })[1]
    return found ~= nil
  end, 50)
  return found
end

local function ours(bufnr, code)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local c = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    if d.source == 'convex-lsp' and (code == nil or c == code) then
      table.insert(out, d)
    end
  end
  return out
end

local function request(client, bufnr, method, params)
  local res, err = client:request_sync(method, params, TIMEOUT, bufnr)
  assert(res, method .. ': no answer (' .. tostring(err) .. ')')
  assert(res.err == nil, method .. ': ' .. vim.inspect(res.err))
  return res.result
end

local function line_of(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1]
end

local function find(bufnr, needle)
  for row, text in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local col = text:find(needle, 1, true)
    if col then
      return row - 1, col - 1
    end
  end
  error('not found: ' .. needle)
end

local function main()
  root = vim.fn.fnamemodify(assert(os.getenv('CONVEX_LSP_ROOT'), 'set CONVEX_LSP_ROOT'), ':p'):gsub('/$', '')
  assert(vim.fn.has('nvim-0.11') == 1, 'needs Neovim 0.11+')

  -- 1. the client attaches by itself (vim.lsp.enable in init.lua) and diagnostics arrive
  local demo = open('convex/validators_demo.ts')
  local client = client_of(demo)
  assert(client, 'no convex_lsp client attached (vim.lsp.enable)')
  assert(client.config.root_dir == root, 'root_dir ' .. tostring(client.config.root_dir))
  step('client attached', client.name)
  local enc = client.offset_encoding or 'utf-16'
  assert(vim.wait(TIMEOUT, function() return #ours(demo, 'deprecated-bigint-validator') > 0 end, 50),
    'no deprecated-bigint-validator diagnostic (got ' .. #ours(demo) .. ')')
  step('diagnostics', #ours(demo))

  -- 2. hover on it cites the spec
  local d = ours(demo, 'deprecated-bigint-validator')[1]
  local pos = { line = d.lnum, character = d.col }
  local hover = request(client, demo, 'textDocument/hover',
    { textDocument = { uri = vim.uri_from_bufnr(demo) }, position = pos })
  local text = hover and hover.contents and (hover.contents.value or vim.inspect(hover.contents)) or ''
  assert(text:find('Convex Architecture Spec §', 1, true), 'hover without the spec citation: ' .. text)
  step('hover', text)

  -- 3. the quick fix, applied; the diagnostic goes away
  local lsp_diag = d.user_data and d.user_data.lsp
  assert(lsp_diag, 'the LSP diagnostic behind vim.diagnostic')
  local actions = request(client, demo, 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(demo) },
    range = lsp_diag.range,
    context = { diagnostics = { lsp_diag }, only = { 'quickfix' } },
  }) or {}
  local fix
  for _, a in ipairs(actions) do
    if a.isPreferred and a.edit and fix == nil then
      fix = a
    end
  end
  assert(fix, 'no preferred quick fix among ' .. #actions .. ' actions')
  vim.lsp.util.apply_workspace_edit(fix.edit, enc)
  assert(line_of(demo, d.lnum):find('v.int64()', 1, true), 'fix not applied: ' .. line_of(demo, d.lnum))
  assert(vim.wait(TIMEOUT, function() return #ours(demo, 'deprecated-bigint-validator') == 0 end, 50),
    'deprecated-bigint-validator still reported after the fix')
  step('quick fix applied', fix.title)

  -- 4. definition from an internal.* reference lands on the registration
  local crons = open('convex/crons.ts')
  local row, col = find(crons, 'internal.scheduling_demo.sendDigest')
  local defs = request(client, crons, 'textDocument/definition', {
    textDocument = { uri = vim.uri_from_bufnr(crons) },
    position = { line = row, character = col + #'internal.scheduling_demo.' + 2 },
  })
  if defs and defs.uri then
    defs = { defs }
  end
  assert(defs and defs[1], 'no definition')
  local target = vim.uri_to_fname(defs[1].uri or defs[1].targetUri)
  assert(target == root .. '/convex/scheduling_demo.ts', 'definition in ' .. target)
  step('definition', target)

  -- 5. completion of table names in ctx.db.query("
  local sched = open('convex/scheduling_demo.ts')
  row, col = find(sched, 'ctx.db.query("jobs")')
  local items = request(client, sched, 'textDocument/completion', {
    textDocument = { uri = vim.uri_from_bufnr(sched) },
    position = { line = row, character = col + #'ctx.db.query("' },
  })
  items = items and (items.items or items) or {}
  local labels = {}
  for _, it in ipairs(items) do
    labels[it.label] = true
  end
  assert(labels.jobs and labels.users, 'completion lacks the tables: ' .. vim.inspect(vim.tbl_keys(labels)))
  step('completion', #items)

  -- 6. an edit of schema.ts re-diagnoses another open file (scheduling_demo.ts uses jobs.by_status)
  local schema = open('convex/schema.ts')
  local srow = find(schema, '}).index("by_status", ["status"]),')
  assert(#ours(sched, 'unknown-index') == 0, 'unknown-index before the schema edit')
  local original = line_of(schema, srow)
  vim.api.nvim_buf_set_lines(schema, srow, srow + 1, false, { (original:gsub('by_status', 'by_state')) })
  assert(vim.wait(TIMEOUT, function() return #ours(sched, 'unknown-index') > 0 end, 50),
    'scheduling_demo.ts was not re-diagnosed after the schema edit')
  vim.api.nvim_buf_set_lines(schema, srow, srow + 1, false, { original })
  assert(vim.wait(TIMEOUT, function() return #ours(sched, 'unknown-index') == 0 end, 50),
    'the unknown-index diagnostic stayed after undoing the schema edit')
  step('cross-file refresh')

  -- 7. rename an index from the schema: every withIndex in other files follows
  local urow, ucol = find(schema, '"by_tokenIdentifier"')
  local edit = request(client, schema, 'textDocument/rename', {
    textDocument = { uri = vim.uri_from_bufnr(schema) },
    position = { line = urow, character = ucol + 3 },
    newName = 'by_token',
  })
  assert(edit, 'no rename edit')
  vim.lsp.util.apply_workspace_edit(edit, enc)
  local files = {}
  for _, rel in ipairs({ 'convex/schema.ts', 'convex/queries_demo.ts', 'convex/runtime_demo.ts', 'convex/model/users.ts' }) do
    local b = vim.fn.bufadd(root .. '/' .. rel)
    vim.fn.bufload(b)
    local all = table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n')
    assert(all:find('"by_token"', 1, true) and not all:find('by_tokenIdentifier"', 1, true),
      'rename did not reach ' .. rel)
    table.insert(files, rel)
  end
  step('rename across files', files)

  for _, m in ipairs(report.messages or {}) do
    assert(m.type ~= 1, 'the server showed an error: ' .. m.message)
  end
end

local ok, err = xpcall(main, debug.traceback)
finish(ok, ok and nil or err)
