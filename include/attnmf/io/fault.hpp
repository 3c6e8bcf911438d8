#pragma once
// Faults on purpose, so that every way a sweep can fail is tested at every rank count.
//
//   ATTNMF_FAULT=SITE[:RANK[:OCCURRENCE]]
//
// makes the OCCURRENCE-th time (1-based, default 1) that process RANK (of MPI_COMM_WORLD; default:
// every rank) reaches SITE throw std::system_error(EIO) "injected fault at SITE", as the real failure
// there would (an I/O error, a full disk). The sites are the places the sweep driver must survive:
//   journal_append   appending a finished point to the rank's journal
//   dataset_create   creating the sweep file's datasets (collective)
//   row_write        writing a finished point's rows to the sweep file
//   file_close       closing the sweep file at the end (collective)
//   compute          a compute thread, just before it computes a task of points
// Several faults: separate them with commas. Unset (the normal case), a site costs one relaxed load.
// A malformed value is reported once, naming the variable, when the first site is reached.

#include <string_view>

namespace attnmf::io::fault {

// The MPI rank faults are matched against (set by the sweep driver; -1 until then matches rank 0).
void set_rank(int rank);
// Throws the injected fault when the environment asks for one here.
void at(std::string_view site);

}  // namespace attnmf::io::fault
