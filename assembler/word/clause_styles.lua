-- Maps the clause body conventions to the house numbering styles (see clause_library/AUTHORING.md):
-- a top-level paragraph is a numbered sub-clause ("Clause 2": 1.1), an (a)-list item is "Clause 3" and a
-- nested (i)-list item is "Clause 4". Word numbers them through the styles; no number is typed into text.

local function styled(style, block)
  return pandoc.Div({block}, {['custom-style'] = style})
end

local function level_style(level)
  return 'Clause ' .. math.min(level, 4)
end

local function flatten_list(list, level, out)
  for _, item in ipairs(list.content) do
    local first = true
    for _, block in ipairs(item) do
      if block.t == 'OrderedList' or block.t == 'BulletList' then
        flatten_list(block, level + 1, out)
      elseif (block.t == 'Para' or block.t == 'Plain') and first then
        table.insert(out, styled(level_style(level), pandoc.Para(block.content)))
        first = false
      elseif block.t == 'Plain' then
        table.insert(out, pandoc.Para(block.content))
      else
        table.insert(out, block)
      end
    end
  end
end

function Pandoc(doc)
  local blocks = {}
  for _, block in ipairs(doc.blocks) do
    if block.t == 'Para' then
      table.insert(blocks, styled('Clause 2', block))
    elseif block.t == 'OrderedList' then
      flatten_list(block, 3, blocks)
    else
      table.insert(blocks, block)
    end
  end
  doc.blocks = blocks
  return doc
end
