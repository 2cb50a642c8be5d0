#!/usr/bin/env ruby
# frozen_string_literal: true
# Renders every case of the Liquid corpus with Shopify's reference engine (the
# `liquid` gem) and prints one JSON object: {"case name": {"output": "…"} or
# {"error": "…"}}. Lenient like Auth0: strict_variables and strict_filters off,
# the default lax error mode; partials come from the case's own `--- partial`
# sections through a file system. Errors are raised (`render!`), not inlined.
#
# Usage: ruby tests/liquid_reference.rb FILE.cases...
# Current Shopify Liquid instead of the installed gem, from a checkout of Shopify/liquid:
#   RUBYOPT=-I/path/to/liquid/lib ruby tests/liquid_reference.rb FILE.cases...
require 'json'
require 'strscan'

# Liquid 5.6+ calls StringScanner#peek_byte and #scan_byte (strscan >= 3.1.1); Ruby 3.1's
# bundled strscan (3.0.1, Debian bookworm) lacks them. Same meaning, for a checkout as above.
class StringScanner
  unless method_defined?(:peek_byte)
    def peek_byte
      eos? ? nil : string.getbyte(pos)
    end
  end
  unless method_defined?(:scan_byte)
    def scan_byte
      return nil if eos?

      byte = string.getbyte(pos)
      self.pos += 1
      byte
    end
  end
end

require 'liquid'

# Partials of one case, looked up by `name` or `name.liquid`.
class CaseFileSystem
  def initialize(partials)
    @partials = partials
  end

  def read_template_file(name)
    @partials.fetch(name) { @partials.fetch("#{name}.liquid") }
  rescue KeyError
    raise Liquid::FileSystemError, "No such template '#{name}'"
  end
end

# Parse the corpus format (see tests/liquid-corpus/README.md).
def parse_cases(path)
  cases = []
  current = nil
  section = nil
  File.read(path, encoding: 'UTF-8').each_line do |line|
    if line.start_with?('=== ')
      current = { 'name' => line[4..].strip, 'context' => +'', 'template' => +'', 'partials' => {} }
      cases << current
      section = nil
    elsif current && line.start_with?('--- ')
      words = line[4..].strip.split(' ', 2)
      section = words[0] == 'partial' ? [:partial, words[1]] : [words[0].to_sym]
      current['partials'][words[1]] = +'' if words[0] == 'partial'
    elsif current && section
      case section[0]
      when :context then current['context'] << line
      when :template then current['template'] << line
      when :partial then current['partials'][section[1]] << line
      end
    end
  end
  cases.each do |c|
    c['template'] = c['template'].delete_suffix("\n")
    c['partials'].transform_values! { |t| t.delete_suffix("\n") }
  end
  cases
end

results = {}
ARGV.each do |path|
  parse_cases(path).each do |c|
    begin
      context = c['context'].strip.empty? ? {} : JSON.parse(c['context'])
      template = Liquid::Template.parse(c['template'])
      output = template.render!(context, registers: { file_system: CaseFileSystem.new(c['partials']) },
                                         strict_variables: false, strict_filters: false)
      results[c['name']] = { 'output' => output }
    rescue StandardError, SystemStackError => e
      results[c['name']] = { 'error' => "#{e.class}: #{e.message}" }
    end
  end
end
puts JSON.generate(results)
