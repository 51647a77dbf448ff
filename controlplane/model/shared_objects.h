#pragma once

// The objects of one kind, held by shared pointers to immutable objects: the sources'
// caches, the state a translation reads and every copy of it share the same objects.
// At 10 000 routes, copying and freeing them was most of what a one-route change cost.
// Reads look like a std::vector<T>'s; a write makes the object its own copy first.

#include <cstddef>
#include <iterator>
#include <memory>
#include <vector>

namespace portico::cp {

template <typename T>
class SharedObjects {
  using Items = std::vector<std::shared_ptr<const T>>;

 public:
  using value_type = T;
  using size_type = std::size_t;

  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    const_iterator() = default;
    explicit const_iterator(typename Items::const_iterator it) : it_(it) {}
    reference operator*() const { return **it_; }
    pointer operator->() const { return it_->get(); }
    reference operator[](difference_type n) const { return *it_[n]; }
    const_iterator& operator++() { return ++it_, *this; }
    const_iterator operator++(int) { return const_iterator(it_++); }
    const_iterator& operator--() { return --it_, *this; }
    const_iterator operator--(int) { return const_iterator(it_--); }
    const_iterator& operator+=(difference_type n) { return it_ += n, *this; }
    const_iterator& operator-=(difference_type n) { return it_ -= n, *this; }
    friend const_iterator operator+(const_iterator a, difference_type n) { return a += n; }
    friend const_iterator operator+(difference_type n, const_iterator a) { return a += n; }
    friend const_iterator operator-(const_iterator a, difference_type n) { return a -= n; }
    friend difference_type operator-(const const_iterator& a, const const_iterator& b) { return a.it_ - b.it_; }
    friend auto operator<=>(const const_iterator&, const const_iterator&) = default;
    friend bool operator==(const const_iterator&, const const_iterator&) = default;

   private:
    typename Items::const_iterator it_;
  };
  using iterator = const_iterator;

  void push_back(T object) { items_.push_back(std::make_shared<const T>(std::move(object))); }
  void push_back(std::shared_ptr<const T> object) { items_.push_back(std::move(object)); }
  void reserve(size_type n) { items_.reserve(n); }
  // Removes the objects whose index `drop` names, keeping the others' order.
  template <typename Drop>
  void eraseIf(Drop&& drop) {
    size_type kept = 0;
    for (size_type i = 0; i < items_.size(); ++i) {
      if (!drop(i)) items_[kept++] = std::move(items_[i]);
    }
    items_.resize(kept);
  }

  size_type size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const T& operator[](size_type i) const { return *items_[i]; }
  const T& at(size_type i) const { return *items_.at(i); }
  const T& back() const { return *items_.back(); }
  const_iterator begin() const { return const_iterator(items_.begin()); }
  const_iterator end() const { return const_iterator(items_.end()); }
  // The pointer itself, to share the object with another list.
  const std::shared_ptr<const T>& shared(size_type i) const { return items_[i]; }
  // The object to change: a copy of its own when anyone else holds it.
  T& edit(size_type i) {
    if (items_[i].use_count() != 1) items_[i] = std::make_shared<const T>(*items_[i]);
    return const_cast<T&>(*items_[i]);
  }

 private:
  Items items_;
};

}  // namespace portico::cp
