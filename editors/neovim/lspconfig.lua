-- convex-lsp with nvim-lspconfig's setup() API (Neovim 0.8 to 0.10; on 0.11+ prefer
-- lsp/convex_lsp.lua with vim.lsp.enable). Install the server first: ./install.sh in a checkout of convex-lsp
local configs = require('lspconfig.configs')
local util = require('lspconfig.util')

if not configs.convex_lsp then
  configs.convex_lsp = {
    default_config = {
      cmd = { 'convex-lsp', 'serve' },
      filetypes = { 'typescript', 'typescriptreact' },
      root_dir = function(fname)
        return util.root_pattern('convex.json')(fname)
          or util.search_ancestors(fname, function(dir)
            if vim.fn.filereadable(dir .. '/package.json') == 1 and vim.fn.isdirectory(dir .. '/convex') == 1 then
              return dir
            end
          end)
      end,
      init_options = { convexLsp = { hover = true } },
    },
  }
end

require('lspconfig').convex_lsp.setup({})
-- keep your TypeScript server too, e.g. require('lspconfig').ts_ls.setup({})
