// attnmf trajectory: one parameter point, its time series written to HDF5.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>

#include "attnmf/analysis/classification.hpp"
#include "attnmf/config/config.hpp"
#include "attnmf/dynamics/engine.hpp"
#include "attnmf/io/progress.hpp"
#include "attnmf/io/space_reserve.hpp"
#include "attnmf/io/trajectory_file.hpp"
#include "attnmf/model/weights.hpp"
#include "attnmf/records/point.hpp"
#include "attnmf/sweep/pipeline.hpp"
#include "commands.hpp"

namespace attnmf::cli {
namespace {

constexpr const char* usage = R"(usage: attnmf trajectory --config FILE [--section.key VALUE ...] [-v | -q]

Integrates the mean-field map at one parameter point (model.beta, model.gamma, model.epsilon),
discards run.transient steps and writes the remaining run.steps - run.transient steps of every
mean field to output.file (HDF5): /trajectory/{att,mo,mo_se,mv,mq,mk}, the model's tables under
/model, the configuration as root attributes. The file appears only when complete (it is written
as FILE.partial and renamed); an existing file is replaced.

  -v, --verbose   log the whole resolved configuration
  -q, --quiet     log warnings and errors only
  -h, --help      this text

Exit codes: 0 done, 1 failed, 2 bad configuration (nothing written), 3 interrupted (nothing written).
)";

bool has_flag(int argc, const char* const argv[], const char* long_name, const char* short_name) {
  for (int i = 0; i < argc; ++i)
    if (std::strcmp(argv[i], long_name) == 0 || std::strcmp(argv[i], short_name) == 0) return true;
  return false;
}

int report_configuration_problems(const std::vector<std::string>& problems) {
  for (const auto& problem : problems) std::cerr << "attnmf trajectory: " << problem << '\n';
  std::cerr << "attnmf trajectory: nothing was run; see 'attnmf trajectory --help'\n";
  return exit_usage;
}

}  // namespace

int trajectory_command(int argc, const char* const argv[], const std::string& command_line) {
  if (has_flag(argc, argv, "--help", "-h")) {
    std::cout << usage << '\n' << config::help_text(config::Command::trajectory);
    return exit_success;
  }
  config::ParseResult parsed;
  try {
    parsed = config::parse(config::Command::trajectory, argc, argv, {"verbose,v", "quiet,q"});
  } catch (const config::ConfigError& e) {
    return report_configuration_problems(e.problems());
  }
  const config::Config& cfg = parsed.config;
  if (parsed.flags.count("quiet")) spdlog::set_level(spdlog::level::warn);
  if (parsed.flags.count("verbose")) spdlog::set_level(spdlog::level::debug);

  // Everything that can fail because of the configuration is checked before any file is touched.
  model::Weights weights;
  std::optional<model::MeanFieldMap> map;
  std::unique_ptr<dynamics::Engine> engine;  // attnmf trajectory keeps to the scalar engine
  try {
    weights = model::draw_weights(cfg.model);
    map.emplace(cfg.model, weights);
    if (cfg.init.mode == config::InitConfig::Mode::checkpoint) {
      try {
        engine = dynamics::make_scalar_engine(*map, model::read_window_file(cfg.init.checkpoint, *map));
      } catch (const std::exception& e) {
        return report_configuration_problems({"init.checkpoint = '" + cfg.init.checkpoint.string() + "': " + e.what()});
      }
    } else {
      engine = dynamics::make_scalar_engine(*map, model::token_window(*map, model::initial_token(weights, cfg.init.token)));
    }
  } catch (const std::invalid_argument& e) {
    return report_configuration_problems({e.what()});
  }
  const auto directory = std::filesystem::absolute(cfg.output.file).parent_path();
  if (!std::filesystem::is_directory(directory))
    return report_configuration_problems(
        {"output.file = '" + cfg.output.file.string() + "': directory '" + directory.string() + "' does not exist"});

  spdlog::info("attnmf trajectory: M={} L={} P={} beta={} gamma={} (gamma_eff={:.17g}) epsilon={} seed={} correlations={}",
               cfg.model.features, cfg.model.context, cfg.model.positional_bits, cfg.model.beta, cfg.model.gamma,
               map->gamma_eff(), cfg.model.epsilon, cfg.model.weights.seed, model::to_string(cfg.model.weights.correlations));
  spdlog::info("start from {}; {} steps, the first {} discarded", 
               cfg.init.mode == config::InitConfig::Mode::checkpoint ? "window " + cfg.init.checkpoint.string()
                                                                      : "token " + std::to_string(cfg.init.token),
               cfg.run.steps, cfg.run.transient);
  for (const auto& [key, value] : cfg.key_values()) spdlog::debug("  {} = {}", key, value);

  install_stop_handlers();
  const auto started = std::chrono::steady_clock::now();
  io::Provenance provenance{command_line, io::utc_now_iso8601(), 0.0, {}, {{"engine", "scalar"}}};
  try {
    io::TrajectoryWriter writer(cfg.output.file, cfg, weights);
    auto last_report = started;
    const auto progress = [&](long long done) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_report >= std::chrono::seconds(2) || done == cfg.run.steps) {
        last_report = now;
        const double elapsed = std::chrono::duration<double>(now - started).count();
        const double rate = done / std::max(elapsed, 1e-9);
        spdlog::info("step {}/{} ({:.1f}%), {}, ETA {}", done, cfg.run.steps, 100.0 * done / cfg.run.steps,
                     io::format_rate(rate, "steps"), io::format_duration((cfg.run.steps - done) / rate));
      }
      return !stop_requested();
    };
    // The pipeline of a sweep point, with every recorded step written out.
    sweep::PipelineOptions options = sweep::pipeline_options(cfg);
    options.lyapunov_trace = cfg.analysis.lyapunov_trace;
    sweep::PipelineControl control;
    control.progress = progress;
    control.rows = [&](long long first_row, const records::RecordedRows& rows) { writer.write_rows(first_row, rows); };
    const long long indices[1] = {0};
    records::Outcome outcome = std::move(sweep::run_pipeline(*engine, indices, {}, options, control).front());
    if (std::holds_alternative<records::PartialPoint>(outcome)) {
      spdlog::warn("stopped by signal {} after {} steps; no file written", stop_signal(), engine->steps_done());
      return exit_interrupted;
    }
    const records::PointResult& result = std::get<records::PointResult>(outcome);
    if (result.status != records::PointStatus::done) {
      spdlog::error("attnmf trajectory failed: {}; no file written", result.error);
      return exit_failure;
    }
    writer.write_analysis(result, cfg.analysis.lyapunov_trace);
    std::string exponents;
    for (double l : result.lyapunov) exponents += fmt::format(" {:.4g}", l);
    if (result.lyapunov_source == records::LyapunovSource::floquet) exponents += " (Floquet)";
    spdlog::info("regime: {}{}; Lyapunov exponents:{}; 0-1 test K = {:.3f}", analysis::to_string(result.regime),
                 result.period > 0 ? " (period " + std::to_string(result.period) + ")" : std::string(), exponents,
                 result.zero_one);
    provenance.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    provenance.figures = {{"steps_per_second", cfg.run.steps / provenance.wall_seconds}};
    writer.finish(result.final_window, provenance);
  } catch (const std::exception& e) {
    spdlog::error("attnmf trajectory failed: {}{}", e.what(), io::disk_full_note(cfg.output.file));
    return exit_failure;
  }
  spdlog::info("done in {:.2f} s ({}); wrote {}", provenance.wall_seconds,
               io::format_rate(static_cast<double>(cfg.run.steps) / provenance.wall_seconds, "steps"), std::filesystem::absolute(cfg.output.file).string());
  return exit_success;
}

}  // namespace attnmf::cli
